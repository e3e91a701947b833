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


# --- The file names of the warehouse: defined in pipelines/config.py, read from there. ---

CONFIG = ROOT / "pipelines" / "config.py"
# Files whose help texts still spell the name, left to their owner's branch of issue 14 (the
# report half); remove an entry once the file reads the constant (docs/decisions.md, 14a-5).
NOT_YET_CONVERTED = {ROOT / "pipelines" / "report" / "command.py"}


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
        for path in sorted((ROOT / folder).rglob("*.py")) if path != CONFIG and path not in NOT_YET_CONVERTED
        for line in spelled_file_names(path.read_text(encoding="utf-8"), names)
    ]
    assert not copies, f"a warehouse file name spelled out (use pipelines.config's constants or Paths): {copies}"


def test_the_file_name_scan_finds_a_copy():
    """The scan above is not vacuous: a literal and an f-string part are found, a docstring is not."""
    source = '"""Reads monitor.duckdb."""\nA = "lvv.duckdb"\nB = f"{w}/monitor.duckdb"\n'
    assert spelled_file_names(source, ("lvv.duckdb", "monitor.duckdb")) == [2, 3]
