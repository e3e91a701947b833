"""One fact, one place (issue 14): the pilots live in seeds/pilots.csv, and nothing else keeps a
copy that could drift when a municipality is added.

Python reads them through pipelines/pilots.py. dbt's YAML cannot read a seed, so its
`accepted_values` for `bron` are checked against the seed here instead.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipelines.contract import BRONNEN, GEMEENTEN
from pipelines.pilots import PILOTS_SEED, pilot_bronnen, pilot_names

ROOT = Path(__file__).resolve().parents[1]
ACCESSOR = ROOT / "pipelines" / "pilots.py"
NATIONAL_SOURCES = ("ind", "dtv")


def _seed_bronnen() -> list[str]:
    with PILOTS_SEED.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["volgorde"]))
    return [row["bron"] for row in rows]


def _literal_list_pattern(names: list[str]) -> re.Pattern[str]:
    """All pilots one after another, separated only by quotes, commas, spaces and brackets: a
    tuple, list or comma-separated string of them (any case), not prose or a mapping."""
    separator = r"""['"\s,\[\]()]*"""
    return re.compile(separator.join(re.escape(name) for name in names), re.IGNORECASE)


def _accepted_values_for_bron(node: object) -> Iterator[list[str]]:
    """Every accepted_values list on a column named `bron`, anywhere in a dbt YAML document."""
    if isinstance(node, dict):
        if node.get("name") == "bron":
            for test in node.get("data_tests", []) + node.get("tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    spec = test["accepted_values"]
                    yield list(spec.get("arguments", spec)["values"])
        for value in node.values():
            yield from _accepted_values_for_bron(value)
    elif isinstance(node, list):
        for value in node:
            yield from _accepted_values_for_bron(value)


def test_the_accessor_reads_the_seed_in_its_order():
    assert list(pilot_bronnen()) == _seed_bronnen()
    assert GEMEENTEN == pilot_bronnen()
    assert BRONNEN == (*pilot_bronnen(), *NATIONAL_SOURCES)
    assert list(pilot_names()) == _seed_bronnen()


def test_no_literal_list_of_the_pilots_in_the_python_code():
    pattern = _literal_list_pattern(_seed_bronnen())
    copies = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted((ROOT / "pipelines").rglob("*.py")) if path != ACCESSOR
        for text in [path.read_text(encoding="utf-8")]
        for match in pattern.finditer(text)
    ]
    assert not copies, f"a copy of the pilot list (read it from pipelines/pilots.py instead): {copies}"


def test_the_pattern_finds_a_copy():
    """The scan above is not vacuous: it recognises the spellings that were in the code."""
    pattern = _literal_list_pattern(_seed_bronnen())
    spelled = ", ".join(f"'{name}'" for name in _seed_bronnen())
    assert pattern.search(f"ORDER BY list_position([{spelled}, 'ind'], bron)")
    assert pattern.search(" , ".join(name.capitalize() for name in _seed_bronnen()))


def test_dbt_accepted_values_for_bron_agree_with_the_seed():
    found = [
        (path.relative_to(ROOT), values)
        for path in sorted((ROOT / "dbt_project" / "models").rglob("*.yml"))
        for values in _accepted_values_for_bron(yaml.safe_load(path.read_text(encoding="utf-8")))
    ]
    assert found, "no accepted_values for bron in the dbt project: the check would be vacuous"
    for path, values in found:
        pilots_in_yaml = [value for value in values if value not in NATIONAL_SOURCES]
        assert pilots_in_yaml == _seed_bronnen(), f"{path}: {values} disagrees with {PILOTS_SEED.name}"


# --------------------------------------------------------------------------------------------
# The reconciliation window (issue 14, 14b): defined once, as the dbt var
# `reconciliatie_venster_dagen` in dbt_project/dbt_project.yml; dbt reads it through
# macros/reconciliatie_venster.sql, Python through pipelines/reconciliation_window.py.

# A statement of the window's length: "30 dagen na de uitstroom", "uitstroomdatum + 30 days",
# "uitstroomdatum + interval 30 day", "uitstroomdatum + timedelta(days=30)".
_WINDOW_STATEMENT = re.compile(
    r"(\d+)\s*dagen\s+na\s+de\s+uitstroom"
    r"|(\d+)\s*days?\s+after\s+the\s+uitstroom"
    r"|uitstroom\w*\s*\+\s*(?:interval\s*|timedelta\(days=)?(\d+)",
    re.IGNORECASE,
)
# Where a number of days may stand: the accessor's docstring quotes MONITOR.md, and the demo's
# generator writes records at the contract's edges (U + 30, U + 31): its bytes are data and
# do not follow the configuration (the demo's reference figures, pipelines/demo/reference.py, do).
_WINDOW_ALLOWED = {Path("pipelines/reconciliation_window.py"), Path("pipelines/demo/calibration.py"),
                   Path("pipelines/demo/construction.py"), Path("pipelines/demo/national_records.py")}


def _window_statements(paths: list[Path]) -> list[tuple[str, int]]:
    """(where, days) of every statement of the window's length in these files."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for match in _WINDOW_STATEMENT.finditer(text):
            days = next(group for group in match.groups() if group is not None)
            found.append((f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}", int(days)))
    return found


def _code_and_suites() -> list[Path]:
    patterns = ("pipelines/**/*.py", "benchmarks/**/*.py", "expectations/*.json",
                "dbt_project/models/**/*.sql", "dbt_project/models/**/*.yml", "dbt_project/macros/*.sql")
    return sorted(path for pattern in patterns for path in ROOT.glob(pattern)
                  if path.relative_to(ROOT) not in _WINDOW_ALLOWED)


def test_the_window_statement_pattern_finds_a_copy():
    """The scans below are not vacuous: they recognise the spellings that were in the code."""
    for spelled in ("tussen de instroom en 30 dagen na de uitstroom.", "uitstroomdatum + interval 30 day",
                    "s.uitstroomdatum + INTERVAL 30 DAY", "s.uitstroomdatum + timedelta(days=30)",
                    "[instroomdatum, uitstroomdatum + 30 days]"):
        assert [days for days in (int(next(g for g in m.groups() if g)) for m in _WINDOW_STATEMENT.finditer(spelled))] == [30]


def test_the_window_is_spelled_nowhere_in_code_suites_or_models():
    copies = _window_statements(_code_and_suites())
    assert not copies, f"a copy of the reconciliation window (read pipelines/reconciliation_window.py instead): {copies}"


def test_the_window_has_one_default_the_contracts():
    from pipelines.reconciliation_window import DBT_VAR, default_window_days

    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    contract = re.search(r"U \+ (\d+) days", (ROOT.parent / "shared" / "contract" / "MONITOR.md").read_text(encoding="utf-8")
                         ) if (ROOT.parent / "shared" / "contract" / "MONITOR.md").exists() else None
    assert default_window_days() == project["vars"][DBT_VAR]
    if contract:
        assert default_window_days() == int(contract.group(1))
    macro = (ROOT / "dbt_project" / "macros" / "reconciliatie_venster.sql").read_text(encoding="utf-8")
    assert f"var('{DBT_VAR}')" in macro and "env_var('LVV_RECONCILIATIE_VENSTER_DAGEN'" in macro


def test_the_docs_state_the_default_window():
    from pipelines.reconciliation_window import default_window_days

    docs = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    statements = _window_statements(docs)
    assert statements, "no statement of the window in docs/: the check would be vacuous"
    wrong = [where for where, days in statements if days != default_window_days()]
    assert not wrong, f"docs state another window than dbt_project.yml's {default_window_days()} days: {wrong}"


def test_every_text_names_the_configured_window(monkeypatch):
    """Set for a run, the window changes the definitions, the suites' descriptions and the
    demo's reference figures alike; unset, they say the default."""
    from pipelines.expectations.suites import load_suite
    from pipelines.reconciliation_window import ENV_VAR, WindowConfigError, default_window_days, window_days
    from pipelines.report.labels import monitor_definitie

    def descriptions() -> list[str]:
        return [e["description"] for e in load_suite("reconciliatie")["expectations"]
                if "na de uitstroom" in e["description"]]

    monkeypatch.delenv(ENV_VAR, raising=False)
    assert window_days() == default_window_days()
    assert f"{default_window_days()} dagen na de uitstroom" in monitor_definitie("bestendig_verblijf")
    assert descriptions() and all(f"{default_window_days()} dagen" in d for d in descriptions())

    other = default_window_days() + 7
    monkeypatch.setenv(ENV_VAR, str(other))
    assert window_days() == other
    for text in (monitor_definitie("bestendig_verblijf"), monitor_definitie("terugkeer"), *descriptions()):
        assert f"{other} dagen na de uitstroom" in text and "{" not in text

    monkeypatch.setenv(ENV_VAR, "dertig")
    with pytest.raises(WindowConfigError, match=ENV_VAR):
        window_days()


def test_the_demo_reference_follows_the_configured_window(monkeypatch):
    """A record at U + N days confirms the outflow exactly when N is inside the window."""
    from datetime import date, timedelta

    from pipelines.demo.model import NationalPerson, Stay, Vertrekzaak
    from pipelines.demo.reference import outflow_category
    from pipelines.reconciliation_window import ENV_VAR, default_window_days

    days = default_window_days()
    stay, person = _returned_stay(Stay, NationalPerson, Vertrekzaak, date(2020, 3, 1), days)
    peildatum = date(2020, 3, 1) + timedelta(days=days + 10)
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert outflow_category(stay, person, peildatum)[0] == "terugkeer"
    monkeypatch.setenv(ENV_VAR, str(days - 1))
    assert outflow_category(stay, person, peildatum)[0] == "onbevestigd"


def _returned_stay(stay_type, person_type, departure_type, uitstroom, days_after):
    """A stay that ended in TERUGKEER at `uitstroom`, and its person with one demonstrable
    departure to the country of origin `days_after` days later."""
    from datetime import date, timedelta

    departure = departure_type(zaak_id="z1", startdatum=date(2020, 1, 15), vertrekdatum=uitstroom + timedelta(days=days_after),
                               vertrekwijze="ZELFSTANDIG_AANTOONBAAR", bestemming="HERKOMSTLAND", land="MAR")
    person = person_type(v_nummer="1234567890", geboortedatum=date(1990, 1, 1), geslacht="M", nationaliteit="MAR",
                         lvv=True, vertrekzaken=[departure])
    stay = stay_type(bron="utrecht", client_id="c1", verblijf_id="v1", v_nummer="1234567890", geboortedatum=date(1990, 1, 1),
                     geslacht="M", nationaliteit="MAR", samenstelling="ALLEENSTAAND", instroomdatum=date(2020, 1, 1),
                     herkomst="BBB", regiobinding=True, uitstroomdatum=uitstroom, uitstroomreden="TERUGKEER")
    return stay, person


def test_the_report_names_the_configured_window(monkeypatch, tmp_path):
    """The report's own prose (the chapter on lasting solutions, the definitions) names the
    window of the run, never a fixed number."""
    from datetime import date

    from pipelines.reconciliation_window import ENV_VAR, default_window_days
    from pipelines.report import build_report
    from tests.test_report import build_sample_marts

    published = build_sample_marts(tmp_path / "monitor.duckdb")
    other = default_window_days() + 11
    monkeypatch.setenv(ENV_VAR, str(other))
    html = build_report(published, date(2020, 11, 1))
    named = [int(days) for days in re.findall(r"(\d+) dagen\s+na de uitstroom", html)]
    assert len(named) >= 4, named  # two definitions, the chapter's text, the glossary entry
    assert set(named) == {other}, named


# --- The file names of the warehouse: defined in pipelines/config.py, read from there. ---

CONFIG = ROOT / "pipelines" / "config.py"


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """The string constants that are docstrings (module, class, function): prose, not code."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def spelled_file_names(source: str, names: tuple[str, ...]) -> list[int]:
    """Line numbers of string literals in `source` (f-string parts included, docstrings not)
    that spell one of `names`: code that names a warehouse file itself instead of reading it
    from pipelines/config.py (comments are not code and are not looked at)."""
    tree = ast.parse(source)
    docstrings = _docstring_nodes(tree)
    return sorted({
        node.lineno for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        and any(name in node.value for name in names)
    })


def test_the_file_names_of_the_warehouse_are_spelled_only_in_config():
    from pipelines.config import PIPELINE_DB_NAME, PUBLISHED_DB_NAME

    names = (PIPELINE_DB_NAME, PUBLISHED_DB_NAME)
    copies = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("pipelines", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py")) if path != CONFIG
        for line in spelled_file_names(path.read_text(encoding="utf-8"), names)
    ]
    assert not copies, f"a warehouse file name spelled out (use pipelines.config's constants or Paths): {copies}"


def test_the_file_name_scan_finds_a_copy():
    """The scan above is not vacuous: a literal and an f-string part are found, a docstring is not."""
    source = '"""Reads monitor.duckdb."""\nA = "lvv.duckdb"\nB = f"{w}/monitor.duckdb"\n'
    assert spelled_file_names(source, ("lvv.duckdb", "monitor.duckdb")) == [2, 3]


# --- The monitor's columns: declared once with their labels (pipelines/report/labels.py); the
# dbt model carries them in its SQL and YAML, and every Python reader takes them from labels. ---

MONITOR_YAML = ROOT / "dbt_project" / "models" / "marts" / "monitor" / "_monitor__models.yml"
UITSTROOM_YAML = ROOT / "dbt_project" / "models" / "marts" / "fct_uitstroom.yml"
LABELS = ROOT / "pipelines" / "report" / "labels.py"


def _model_columns(path: Path, model: str) -> list[dict]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    [found] = [m for m in document["models"] if m["name"] == model]
    return found["columns"]


def test_the_monitor_columns_of_the_labels_are_fct_monitors():
    from pipelines.report.labels import MONITOR_KOLOMMEN

    yaml_columns = [c["name"] for c in _model_columns(MONITOR_YAML, "fct_monitor")]
    keys = ["peildatum", "modus", "gemeente"]
    assert yaml_columns[:3] == keys, "fct_monitor starts with its key columns"
    assert list(MONITOR_KOLOMMEN) == yaml_columns[3:], (
        "the monitor's columns in pipelines/report/labels.py and fct_monitor's YAML differ: "
        "a new column needs its label there"
    )


def test_the_outflow_categories_are_fct_uitstroom_code_list():
    from pipelines.report.labels import UITSTROOMCATEGORIEEN

    [column] = [c for c in _model_columns(UITSTROOM_YAML, "fct_uitstroom") if c["name"] == "uitstroomcategorie"]
    [values] = [t["accepted_values"]["arguments"]["values"] for t in column["data_tests"] if "accepted_values" in t]
    assert list(UITSTROOMCATEGORIEEN) == values


def test_python_readers_take_the_monitor_columns_from_the_labels():
    from pipelines.extract.aggregates import CATEGORIES, MONITOR_COUNTS
    from pipelines.monitor_table import MONITOR_COLUMNS
    from pipelines.report.labels import MONITOR_KOLOMMEN, UITSTROOMCATEGORIEEN

    assert MONITOR_COLUMNS == ("gemeente", *MONITOR_KOLOMMEN)
    assert list(MONITOR_COUNTS) == [c for c in MONITOR_KOLOMMEN if c != "capaciteit"]
    assert list(CATEGORIES) == list(UITSTROOMCATEGORIEEN)


def test_no_literal_list_of_the_outflow_categories_in_the_python_code():
    """A list of the ten categories (a tuple, list or comma-separated string) lives only in the
    labels; the demo generator's calibration is data at the contract's edges, not a reader."""
    from pipelines.report.labels import UITSTROOMCATEGORIEEN

    pattern = _literal_list_pattern(list(UITSTROOMCATEGORIEEN))
    copies = [
        str(path.relative_to(ROOT)) for path in sorted((ROOT / "pipelines").rglob("*.py"))
        if path != LABELS and "demo" not in path.relative_to(ROOT).parts
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert copies == []
    assert pattern.search('CATEGORIES = ["' + '", "'.join(UITSTROOMCATEGORIEEN) + '"]'), "the pattern finds a copy"


# --- k and the cell threshold: defined once in pipelines/extract/sdc.py. The help text of
# `lvv-monitor extract` states them too, as text (importing sdc.py would load pandas for every
# command line), so it is checked here instead. ---

def test_k_and_the_cell_threshold_are_assigned_only_in_sdc():
    sdc = ROOT / "pipelines" / "extract" / "sdc.py"
    copies = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "pipelines").rglob("*.py")) if path != sdc
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id in {"K", "MIN_CELL"}
    ]
    assert copies == []


def test_the_extract_help_states_k_and_the_cell_threshold():
    from pipelines.extract.command import DESCRIPTION
    from pipelines.extract.sdc import MIN_CELL, K

    assert f"(k = {K})" in DESCRIPTION
    assert f"cells under {MIN_CELL} suppressed" in DESCRIPTION


# --- DuckDB's memory cap: one default, read by dbt's profile and by the linkage's connections ---


def test_dbt_profile_and_the_pipeline_have_one_memory_cap_default():
    from pipelines.config import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV

    profile = (ROOT / "dbt_project" / "profiles.yml").read_text(encoding="utf-8")
    defaults = re.findall(r"env_var\('" + MEMORY_LIMIT_ENV + r"', '([^']+)'\)", profile)
    assert defaults == [DEFAULT_MEMORY_LIMIT]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"| `{MEMORY_LIMIT_ENV}` | `{DEFAULT_MEMORY_LIMIT}` |" in readme


def test_the_linkage_connections_take_the_memory_cap(monkeypatch):
    from pipelines.config import MEMORY_LIMIT_ENV, connect_capped

    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300MB")
    con = connect_capped(":memory:")
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.close()
    assert limit.startswith("286") and limit.endswith("MiB")  # 300 MB as DuckDB prints it
    linkage = ROOT / "pipelines" / "linkage"
    sources = {f: (linkage / f).read_text(encoding="utf-8") for f in ("run.py", "review.py", "probabilistic.py")}
    assert all("connect_capped(" in s and "duckdb.connect(" not in s for s in sources.values()), sources.keys()
