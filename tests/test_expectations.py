"""Expectations: every deviation kind triggered by constructed data, reported once with the right
pilot and severity, as Dagster asset checks and in marts.fct_afwijkingen; a blocking check stops
the publish and leaves the published file as it was; the calibrated demo still publishes.

Two full in-process runs (one with every convenant and reconciliation deviation, one with every
data-quality deviation), plus the session's demo run. Synthetic data only.

Long (~540 lines) on purpose: the two constructed runs are module fixtures of about a minute each,
and the tests that read them stay beside them rather than build them again in another module.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from pipelines.cli import main as deviations_main  # the real `lvv-monitor` entry point
from pipelines.config import DBT_PROJECT_DIR
from pipelines.expectations.config import ConfiguratieFout, Thresholds, thresholds_from_environment
from pipelines.expectations.suites import SUITE_NAMES, controles, load_suite, soorten
from pipelines.runner import run_monitor
from tests.cases import TRAJECT_HEADER, Population
from tests.feeds import VERBLIJVEN_HEADER, csv_bytes, deliver, query

REASONS = ["GEZIN", "EU_BURGER", "INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM", "RIJKSOPVANG",
           "GEEN_REGIOBINDING"]
CONFLICT_KINDS = ["verblijf_niet_bevestigd", "vertrek_niet_bevestigd", "andere_bestemming", "vertrek_niet_aantoonbaar",
                  "vertrek_wel_aantoonbaar", "asielaanvraag_niet_bevestigd", "art64_niet_bevestigd",
                  "niet_te_controleren", "aanwezig_maar_vertrokken"]


# --------------------------------------------------------------------------------------------
# Runs


@pytest.fixture(scope="module")
def demo_mode():
    mp = pytest.MonkeyPatch()
    mp.setenv("LVV_DEMO", "1")
    mp.delenv("LVV_PSEUDONYM_KEY", raising=False)
    for name in ("LVV_MAX_DAGEN_ZONDER_LEVERING", "LVV_VERSHEID_REFERENTIE", "LVV_MIN_RIJEN_T_O_V_VORIGE",
                 "LVV_MAX_QUARANTAINE_AANDEEL", "LVV_ASIEL_TERMIJN_DAGEN", "LVV_VEILIG_LAND_PILOTS",
                 "LVV_VEILIG_LAND_MAANDEN"):
        mp.delenv(name, raising=False)
    yield mp
    mp.undo()


def _checks_wired() -> bool:
    from pipelines.definitions import defs

    keys = defs.resolve_asset_graph().asset_check_keys
    return dg.AssetCheckKey(dg.AssetKey(["marts", "fct_monitor"]), "datakwaliteit_aanlevering") in keys


@contextlib.contextmanager
def expectation_checks():
    """Run with the expectation checks, also before pipelines/definitions.py wires them in."""
    if _checks_wired():
        yield
        return
    import pipelines.definitions as definitions
    from pipelines.defs.expectation_checks import EXPECTATION_CHECKS

    original = definitions.build_definitions

    def build(paths=None):
        return dg.Definitions.merge(original(paths), dg.Definitions(asset_checks=EXPECTATION_CHECKS))

    definitions.build_definitions = build
    try:
        yield
    finally:
        definitions.build_definitions = original


@dataclass(frozen=True)
class Run:
    landing: Path
    warehouse: Path
    outcome: object

    @property
    def db(self) -> Path:
        return self.warehouse / "lvv.duckdb"

    def checks(self) -> dict[str, object]:
        return {e.check_name: e for e in self.outcome.result.get_asset_check_evaluations()}


def _linked(pop: Population, bron: str, client: str, v: str, born: date, nat: str = "ERI", **stay) -> str:
    pop.person(v, born, "M", nat)
    return pop.stay(bron, client, v, born, "M", nat, **stay)


def build_convenant_population() -> Population:
    """Every convenant and reconciliation deviation once, each in a known pilot; no data errors."""
    pop = Population()
    born = iter(date(1960, 1, 1) + timedelta(days=97 * i) for i in range(1000))
    # Out of scope, one reason each, in different pilots.
    _linked(pop, "utrecht", "R_GEZIN", "2000000001", next(born), samenstelling="GEZIN")
    _linked(pop, "amsterdam", "R_EU", "2000000002", next(born), nat="POL")
    _linked(pop, "groningen", "R_BAN", "2000000003", next(born))
    pop.measures.append(["2000000003", "INREISVERBOD_ZWAAR", date(2018, 1, 1), None])
    _linked(pop, "rotterdam", "R_UNDESIRABLE", "2000000004", next(born))
    pop.measures.append(["2000000004", "ONGEWENSTVERKLARING", date(2017, 1, 1), None])
    _linked(pop, "eindhoven", "R_DUBLIN", "2000000005", next(born))
    pop.measures.append(["2000000005", "DUBLINCLAIM", date(2019, 5, 1), None])
    _linked(pop, "amsterdam", "R_ASYLUM_AT_INSTROOM", "2000000006", next(born))
    pop.procedure("2000000006", "ASIEL_HERHAALD", date(2019, 5, 1))
    _linked(pop, "groningen", "R_NO_TIES", "2000000007", next(born), regiobinding=False)
    # Safe country of origin: longer than three months in Rotterdam (flagged), within the term in
    # Rotterdam and longer elsewhere (not flagged).
    _linked(pop, "rotterdam", "SAFE_LONG", "2000000010", next(born), nat="ALB", instroom=date(2020, 1, 1))
    _linked(pop, "rotterdam", "SAFE_SHORT", "2000000011", next(born), nat="ALB", instroom=date(2020, 1, 1),
            uitstroom=date(2020, 3, 15), reden="OVERIG")
    _linked(pop, "amsterdam", "SAFE_ELSEWHERE", "2000000012", next(born), nat="ALB", instroom=date(2019, 6, 1))
    # An asylum application during the stay, still pending months later (flagged) and one where the
    # person moved to the AZC within days (not flagged).
    _linked(pop, "groningen", "ASYLUM_DURING_STAY", "2000000020", next(born), instroom=date(2020, 1, 1))
    pop.procedure("2000000020", "ASIEL_HERHAALD", date(2020, 6, 1))
    _linked(pop, "groningen", "ASYLUM_MOVED_ON", "2000000021", next(born), instroom=date(2020, 1, 1),
            uitstroom=date(2020, 6, 5), reden="ASIELAANVRAAG")
    pop.procedure("2000000021", "ASIEL_HERHAALD", date(2020, 6, 1))
    # One person in two pilots at once: flagged on the stay that started later (Utrecht).
    two = next(born)
    pop.person("2000000030", two)
    pop.stay("amsterdam", "TWO_A", "2000000030", two, instroom=date(2020, 1, 1))
    pop.stay("utrecht", "TWO_U", "2000000030", two, instroom=date(2020, 3, 1))
    # Back to a BBB.
    _linked(pop, "eindhoven", "BACK_TO_BBB", "2000000040", next(born), uitstroom=date(2020, 2, 1), reden="BBB")
    # Reconciliation: an unconfirmed return, present while the DT&V registers a departure, an
    # unlinked person, a v_nummer that belongs to someone else.
    _linked(pop, "amsterdam", "RETURN_UNCONFIRMED", "2000000050", next(born), uitstroom=date(2020, 3, 2), reden="TERUGKEER")
    _linked(pop, "rotterdam", "PRESENT_DEPARTED", "2000000051", next(born))
    pop.departure("2000000051", date(2020, 6, 1), "GEDWONGEN", "HERKOMSTLAND", "ERI")
    pop.stay("groningen", "NOT_LINKED", None, date(1999, 9, 9), "X", "XXX")
    other = next(born)
    pop.person("2000000060", other, "M", "ERI")
    pop.person("2000000061", date(1985, 6, 7), "V", "ETH")
    pop.stay("rotterdam", "V_OF_OTHER", "2000000060", date(1985, 6, 7), "V", "ETH")
    # Eindhoven above its capacity of 130 for nine days: 131 stays from 1 May 2020, two leave on 10 May.
    for i in range(131):
        ended = {"uitstroom": date(2020, 5, 10), "reden": "OVERIG"} if i < 2 else {}
        _linked(pop, "eindhoven", f"CAP_{i:03d}", f"21{i:08d}", next(born), instroom=date(2020, 5, 1), **ended)
    pop.event("amsterdam", "TWO_A", "S-TWO_A", date(2020, 2, 1), "SCENARIO_VERTREK")
    return pop


# Where each convenant/reconciliation deviation must appear: (soort, client, bron).
CONVENANT_EXPECTED = [
    ("GEZIN", "R_GEZIN", "utrecht"), ("EU_BURGER", "R_EU", "amsterdam"), ("INREISVERBOD_ZWAAR", "R_BAN", "groningen"),
    ("ONGEWENSTVERKLARING", "R_UNDESIRABLE", "rotterdam"), ("DUBLINCLAIM", "R_DUBLIN", "eindhoven"),
    ("RIJKSOPVANG", "R_ASYLUM_AT_INSTROOM", "amsterdam"), ("GEEN_REGIOBINDING", "R_NO_TIES", "groningen"),
    ("veilig_land_te_lang", "SAFE_LONG", "rotterdam"),
    ("asielprocedure_tijdens_verblijf", "ASYLUM_DURING_STAY", "groningen"),
    ("in_twee_pilots_tegelijk", "TWO_U", "utrecht"),
    ("terug_naar_bbb", "BACK_TO_BBB", "eindhoven"),
    ("vertrek_niet_bevestigd", "RETURN_UNCONFIRMED", "amsterdam"),
    ("aanwezig_maar_vertrokken", "PRESENT_DEPARTED", "rotterdam"),
    ("niet_gekoppeld", "NOT_LINKED", "groningen"),
    ("v_nummer_wijst_naar_ander", "V_OF_OTHER", "rotterdam"),
]


@pytest.fixture(scope="module")
def convenant_run(tmp_path_factory, demo_mode) -> Run:
    tmp = tmp_path_factory.mktemp("expectations_convenant")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    build_convenant_population().write(landing)
    with expectation_checks():
        outcome = run_monitor(landing, warehouse)
    assert outcome.success, f"{outcome.failed_step}: {outcome.error}"
    return Run(landing, warehouse, outcome)


def _verblijven(rows: list[list]) -> bytes:
    return csv_bytes(VERBLIJVEN_HEADER, rows)


def _stay_row(client: str, v: str, born: date, instroom: date, uitstroom: date | None = None, reden: str | None = None,
              verblijf: str | None = None) -> list:
    return [client, verblijf or f"S-{client}", v, born, "M", "ERI", "ALLEENSTAAND", instroom, "NIEUW", True, uitstroom, reden]


def write_data_quality_landing(landing: Path) -> None:
    """Every data-quality deviation once, each in a known pilot and file."""
    pop = Population()
    people = {}
    for i, bron in enumerate(["amsterdam", "rotterdam", "utrecht", "groningen", "eindhoven"] * 4):
        v = f"30{i:08d}"
        people[v] = date(1970, 1, 1) + timedelta(days=113 * i)
        pop.person(v, people[v])
    pop.departure("3000000000", None, None, None)
    pop.measures.append(["3000000000", "DUBLINCLAIM", date(2010, 1, 1), date(2011, 1, 1)])
    v = sorted(people)

    def row(client, k, **kw):
        return _stay_row(client, v[k], people[v[k]], kw.pop("instroom", date(2020, 1, 1)), **kw)

    # Amsterdam verblijven: 6 rows (1 June), 2 rows (1 August: truncated, still used "as reported"),
    # then the full file (1 November) with an uitstroom before its instroom.
    amsterdam = [row(f"A{i}", i) for i in range(5)] + [row("A_BACKWARDS", 5, instroom=date(2020, 5, 1),
                                                            uitstroom=date(2020, 4, 1), reden="OVERIG")]
    deliver(landing, "amsterdam/amsterdam_verblijven_20200601.csv", _verblijven(amsterdam[:5] + [row("A5", 6)]))
    deliver(landing, "amsterdam/amsterdam_verblijven_20200801.csv", _verblijven(amsterdam[:2]))
    deliver(landing, "amsterdam/amsterdam_verblijven_20201101.csv", _verblijven(amsterdam + [row("A5", 6)]))
    # Amsterdam trajecten: an event before its stay began, an event of an unknown stay, a normal one.
    deliver(landing, "amsterdam/amsterdam_trajecten_20201101.csv", csv_bytes(TRAJECT_HEADER, [
        ["A0", "S-A0", date(2019, 12, 1), "SCENARIO_VERTREK"],
        ["A1", "S-UNKNOWN", date(2020, 2, 1), "MRT_AANGEMELD"],
        ["A2", "S-A2", date(2020, 2, 1), "SCENARIO_VERBLIJF"],
    ]))
    # A file whose name is not a real date: rejected.
    deliver(landing, "amsterdam/amsterdam_verblijven_20201301.csv", _verblijven(amsterdam[:1]))
    # Rotterdam: trajecten with 1 of 4 rows in quarantine (25%).
    deliver(landing, "rotterdam/rotterdam_verblijven_20201101.csv", _verblijven([row("R0", 7), row("R1", 8)]))
    deliver(landing, "rotterdam/rotterdam_trajecten_20201101.csv", csv_bytes(TRAJECT_HEADER, [
        ["R0", "S-R0", date(2020, 2, 1), "SCENARIO_VERTREK"], ["R0", "S-R0", date(2020, 3, 1), "MRT_AANGEMELD"],
        ["R1", "S-R1", date(2020, 2, 1), "SCENARIO_VERBLIJF"], ["R1", "S-R1", date(2020, 3, 1), "ONBEKEND"],
    ]))
    # Utrecht: one person with two overlapping stays.
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", _verblijven([
        row("U0", 9), row("U_TWICE", 10, instroom=date(2020, 1, 1)),
        row("U_TWICE", 10, instroom=date(2020, 3, 1), verblijf="S-U_TWICE-2"),
    ]))
    deliver(landing, "utrecht/utrecht_trajecten_20201101.csv", csv_bytes(TRAJECT_HEADER, [
        ["U0", "S-U0", date(2020, 2, 1), "SCENARIO_VERTREK"]]))
    # Groningen: 8 stays on 1 August, 3 on 1 November (truncated, current: an error); no trajecten.
    groningen = [row(f"G{i}", 11 + i, instroom=date(2020, 1, 1) + timedelta(days=i)) for i in range(8)]
    deliver(landing, "groningen/groningen_verblijven_20200801.csv", _verblijven(groningen))
    deliver(landing, "groningen/groningen_verblijven_20201101.csv", _verblijven(groningen[:3]))
    # Eindhoven: nothing since 1 June (stale).
    deliver(landing, "eindhoven/eindhoven_verblijven_20200601.csv", _verblijven([row("E0", 19)]))
    deliver(landing, "eindhoven/eindhoven_trajecten_20200601.csv", csv_bytes(TRAJECT_HEADER, [
        ["E0", "S-E0", date(2020, 2, 1), "SCENARIO_VERTREK"]]))
    # The national files, current.
    pop.stays = {}
    pop.events = {}
    pop.write(landing)


@pytest.fixture(scope="module")
def data_quality_run(tmp_path_factory, demo_mode, convenant_run) -> tuple[Run, str]:
    """The data-quality run, into a warehouse that already holds a published monitor.duckdb."""
    tmp = tmp_path_factory.mktemp("expectations_data_quality")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    write_data_quality_landing(landing)
    warehouse.mkdir()
    shutil.copy(convenant_run.warehouse / "monitor.duckdb", warehouse / "monitor.duckdb")
    published_before = hashlib.sha256((warehouse / "monitor.duckdb").read_bytes()).hexdigest()
    with expectation_checks():
        outcome = run_monitor(landing, warehouse)
    return Run(landing, warehouse, outcome), published_before


DATA_QUALITY_EXPECTED = [
    # (soort, bron, ernst, file or None)
    ("uitstroom_voor_instroom", "amsterdam", "fout", "amsterdam_verblijven_20201101.csv"),
    ("gebeurtenis_buiten_verblijf", "amsterdam", "fout", "amsterdam_trajecten_20201101.csv"),
    ("gebeurtenis_zonder_verblijf", "amsterdam", "waarschuwing", "amsterdam_trajecten_20201101.csv"),
    ("rijen_sterk_gedaald", "amsterdam", "waarschuwing", "amsterdam_verblijven_20200801.csv"),
    ("levering_geweigerd", "amsterdam", "waarschuwing", "amsterdam_verblijven_20201301.csv"),
    ("veel_quarantaine", "rotterdam", "fout", "rotterdam_trajecten_20201101.csv"),
    ("overlappende_verblijven", "utrecht", "fout", "utrecht_verblijven_20201101.csv"),
    ("rijen_sterk_gedaald", "groningen", "fout", "groningen_verblijven_20201101.csv"),
    ("nooit_geleverd", "groningen", "waarschuwing", None),
    ("levering_verouderd", "eindhoven", "fout", "eindhoven_verblijven_20200601.csv"),
    ("levering_verouderd", "eindhoven", "fout", "eindhoven_trajecten_20200601.csv"),
]


# --------------------------------------------------------------------------------------------
# Helpers


def keys_of(db: Path, client: str) -> tuple[str, str]:
    [(verblijf_key, persoon_key)] = query(db, """
        SELECT verblijf_key, persoon_key FROM intermediate.int_verblijven__gekoppeld
        WHERE kennisstand = 'nieuwste' AND client_id = ?""", [client])
    return verblijf_key, persoon_key


def deviations(db: Path, where: str = "TRUE", params: list | None = None) -> list[tuple]:
    return query(db, f"SELECT bron, soort, ernst, persoon_key, verblijf_key, bestand, sinds, uitleg "
                     f"FROM marts.fct_afwijkingen WHERE {where}", params)


# --------------------------------------------------------------------------------------------
# Suites and configuration (no run needed)


def test_every_suite_is_a_valid_gx_suite_with_dutch_descriptions():
    from great_expectations.core import ExpectationSuite

    for name in SUITE_NAMES:
        suite = load_suite(name)
        ExpectationSuite(**{k: v for k, v in suite.items()})  # GX 1.x accepts the file as it is
        for expectation in suite["expectations"]:
            assert len(expectation["description"]) > 40 and expectation["meta"]["actie"]
    checks = {c.naam: c for c in controles()}
    assert {c.suite for c in checks.values()} == set(SUITE_NAMES)
    # Convenant and reconciliation only flag; data quality blocks where the figures would be wrong.
    assert all(not c.blokkerend for c in checks.values() if c.suite in ("convenant", "reconciliatie"))
    assert {n for n, c in checks.items() if c.blokkerend} == {
        "datakwaliteit_verblijven", "datakwaliteit_uitstroom", "datakwaliteit_trajecten", "datakwaliteit_aanlevering"}
    assert set(REASONS) | set(CONFLICT_KINDS) <= set(soorten())


def test_checks_are_declared_on_real_assets_with_the_right_blocking():
    from pipelines.definitions import defs
    from pipelines.defs.expectation_checks import EXPECTATION_CHECKS

    graph_keys = defs.resolve_asset_graph().get_all_asset_keys()
    specs = {spec.name: spec for check in EXPECTATION_CHECKS for spec in check.check_specs}
    assert set(specs) == {c.naam for c in controles()}
    for check in controles():
        spec = specs[check.naam]
        assert spec.asset_key in graph_keys, check.asset
        assert spec.blocking == check.blokkerend
        assert all(dep.asset_key in graph_keys for dep in spec.additional_deps)
    published = dg.AssetKey(["published", "monitor"])
    if published in graph_keys:
        upstream = defs.resolve_asset_graph().get(published).parent_keys
        assert all(specs[c.naam].asset_key in upstream for c in controles() if c.blokkerend)


def test_thresholds_come_from_the_environment(monkeypatch):
    for name in ("LVV_MAX_DAGEN_ZONDER_LEVERING", "LVV_VERSHEID_REFERENTIE", "LVV_MIN_RIJEN_T_O_V_VORIGE",
                 "LVV_MAX_QUARANTAINE_AANDEEL", "LVV_ASIEL_TERMIJN_DAGEN", "LVV_VEILIG_LAND_PILOTS",
                 "LVV_VEILIG_LAND_MAANDEN"):
        monkeypatch.delenv(name, raising=False)
    assert thresholds_from_environment() == Thresholds()
    monkeypatch.setenv("LVV_MAX_DAGEN_ZONDER_LEVERING", "60")
    monkeypatch.setenv("LVV_VERSHEID_REFERENTIE", "rundatum")
    monkeypatch.setenv("LVV_VEILIG_LAND_PILOTS", "Rotterdam, eindhoven")
    d = thresholds_from_environment()
    assert (d.max_dagen_zonder_levering, d.versheid_referentie, d.veilig_land_pilots) == (
        60, "rundatum", ("rotterdam", "eindhoven"))
    monkeypatch.setenv("LVV_MIN_RIJEN_T_O_V_VORIGE", "half")
    with pytest.raises(ConfiguratieFout, match="LVV_MIN_RIJEN_T_O_V_VORIGE"):
        thresholds_from_environment()


def test_the_dbt_models_use_the_same_default_thresholds():
    sql = "".join(p.read_text(encoding="utf-8") for layer in ("marts", "intermediate")
                  for p in (DBT_PROJECT_DIR / "models" / layer / "afwijkingen").glob("*.sql"))
    defaults = dict(re.findall(r"env_var\('(LVV_[A-Z_]+)', '([^']*)'\)", sql))
    d = Thresholds()
    assert int(defaults["LVV_MAX_DAGEN_ZONDER_LEVERING"]) == d.max_dagen_zonder_levering
    assert float(defaults["LVV_MIN_RIJEN_T_O_V_VORIGE"]) == d.min_rijen_t_o_v_vorige
    assert float(defaults["LVV_MAX_QUARANTAINE_AANDEEL"]) == d.max_quarantaine_aandeel
    assert int(defaults["LVV_ASIEL_TERMIJN_DAGEN"]) == d.asiel_termijn_dagen
    assert defaults["LVV_VERSHEID_REFERENTIE"] == d.versheid_referentie
    assert defaults["LVV_VEILIG_LAND_PILOTS"] == ",".join(d.veilig_land_pilots)
    assert int(defaults["LVV_VEILIG_LAND_MAANDEN"]) == d.veilig_land_maanden


# --------------------------------------------------------------------------------------------
# Convenant and reconciliation: flagged, never blocking


def test_the_convenant_run_publishes(convenant_run):
    assert (convenant_run.warehouse / "monitor.duckdb").exists()
    assert query(convenant_run.db, "SELECT count(*) FROM marts.fct_afwijkingen WHERE ernst = 'fout'") == [(0,)]


@pytest.mark.parametrize("soort,client,bron", CONVENANT_EXPECTED, ids=[e[0] for e in CONVENANT_EXPECTED])
def test_each_convenant_and_reconciliation_deviation_is_reported_once(convenant_run, soort, client, bron):
    verblijf_key, persoon_key = keys_of(convenant_run.db, client)
    rows = deviations(convenant_run.db, "soort = ?", [soort])
    mine = [r for r in rows if r[4] == verblijf_key or (r[4] is None and r[3] == persoon_key)]
    assert len(mine) == 1, rows
    assert mine[0][0] == bron and mine[0][2] == "waarschuwing" and mine[0][7]
    # Nobody else has this deviation: the controls (within the term, elsewhere, moved on) are not flagged.
    assert len(rows) == 1, rows


def test_above_capacity_is_one_period_of_the_pilot(convenant_run):
    rows = deviations(convenant_run.db, "soort = 'boven_capaciteit'")
    assert [(r[0], r[2], r[6]) for r in rows] == [("eindhoven", "waarschuwing", date(2020, 5, 1))]
    assert "2020-05-09" in rows[0][7] and "9 dagen" in rows[0][7]


def test_convenant_checks_warn_and_the_data_quality_checks_pass(convenant_run):
    checks = convenant_run.checks()
    for name in ("convenant_instroom", "convenant_bezetting", "convenant_uitstroom", "reconciliatie_uitstroom",
                 "reconciliatie_koppeling"):
        assert not checks[name].passed and checks[name].severity == dg.AssetCheckSeverity.WARN, name
    for name in ("datakwaliteit_verblijven", "datakwaliteit_uitstroom", "datakwaliteit_trajecten"):
        assert checks[name].passed, name
    # The only data-quality findings here are warnings (pilots without trajecten): nothing blocks.
    assert checks["datakwaliteit_aanlevering"].severity == dg.AssetCheckSeverity.WARN


def test_check_counts_agree_with_the_mart(convenant_run, tmp_path):
    from pipelines.expectations.validate import run_check

    mart = dict(query(convenant_run.db, "SELECT soort, count(*) FROM marts.fct_afwijkingen GROUP BY soort"))
    for check in controles():
        outcome = run_check(check, convenant_run.db, tmp_path, run_key="telling", data_docs=False)
        for bevinding in outcome.bevindingen:
            if bevinding.regel.soort in ("boven_capaciteit", "rijen_sterk_gedaald", "veel_quarantaine"):
                continue  # days vs periods; current and earlier deliveries are two checks
            assert bevinding.aantal == mart.get(bevinding.regel.soort, 0), bevinding.regel.soort


def test_the_published_file_lists_the_deviations_without_identifiers(convenant_run):
    published = convenant_run.warehouse / "monitor.duckdb"
    assert query(published, "SELECT count(*) FROM marts.fct_afwijkingen") == query(
        convenant_run.db, "SELECT count(*) FROM marts.fct_afwijkingen")
    from pipelines.publish.scanner import scan_for_identifiers

    docs = convenant_run.warehouse / "data_docs"
    pages = [docs / "index.html", *(docs / "expectations").rglob("*.html"), *(docs / "validations").rglob("*.html")]
    assert scan_for_identifiers([published, *pages], convenant_run.db) == []


def test_data_docs_are_built_into_the_warehouse(convenant_run):
    docs = convenant_run.warehouse / "data_docs"
    assert (docs / "index.html").exists()
    pages = {p.parent.name for p in (docs / "expectations").rglob("*.html")}
    assert pages == {c.naam for c in controles()}
    text = (docs / "expectations" / "convenant_instroom" / "instroom_redenen.html").read_text(encoding="utf-8")
    assert "Geen gezinnen in de LVV" in text


def test_cli_lists_the_deviations_of_a_pilot(convenant_run, capsys):
    assert deviations_main(["deviations", "--warehouse", str(convenant_run.warehouse), "--gemeente", "Utrecht",
                            "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "bron,gemeente,soort,titel,ernst,persoon_key,verblijf_key,bestand,sinds,uitleg"
    assert {line.split(",")[2] for line in out[1:]} >= {"GEZIN", "in_twee_pilots_tegelijk"}
    assert all(line.startswith("utrecht,Utrecht,") for line in out[1:])
    # Before anything happened only what has no date (a file never delivered) is listed.
    assert deviations_main(["deviations", "--warehouse", str(convenant_run.warehouse), "--peildatum", "2019-01-01",
                            "--format", "csv"]) == 0
    assert {line.split(",")[2] for line in capsys.readouterr().out.splitlines()[1:]} == {"nooit_geleverd"}
    assert deviations_main(["deviations", "--warehouse", str(convenant_run.warehouse), "--gemeente", "Delft"]) == 2
    assert "kies uit" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Data quality: errors block, the previous publication stays


def test_a_blocking_check_stops_the_run_and_says_what_to_do(data_quality_run):
    run, _ = data_quality_run
    assert not run.outcome.success
    assert run.outcome.failed_step.startswith("datakwaliteit_")
    message = run.outcome.error
    assert f"Blokkerende controle '{run.outcome.failed_step}'" in message
    assert "Wat te doen:" in message and "niets gepubliceerd" in message


def test_the_aanlevering_check_names_the_sources_and_files(data_quality_run):
    run, _ = data_quality_run
    failures = [e for e in run.outcome.result.all_events if e.is_step_failure]
    messages = {e.step_key: e.step_failure_data.user_failure_data.description for e in failures
                if e.step_failure_data.user_failure_data}
    text = messages["datakwaliteit_aanlevering"]
    for needle in ("eindhoven", "eindhoven_verblijven_20200601.csv", "groningen_verblijven_20201101.csv",
                   "rotterdam_trajecten_20201101.csv", "opnieuw te leveren"):
        assert needle in text, needle


def test_blocking_leaves_the_published_file_untouched(data_quality_run):
    run, published_before = data_quality_run
    assert hashlib.sha256((run.warehouse / "monitor.duckdb").read_bytes()).hexdigest() == published_before
    assert "published__monitor" not in run.outcome.step_seconds
    checks = run.checks()
    for name in ("datakwaliteit_verblijven", "datakwaliteit_uitstroom", "datakwaliteit_trajecten", "datakwaliteit_aanlevering"):
        assert not checks[name].passed and checks[name].severity == dg.AssetCheckSeverity.ERROR, name
    assert checks["datakwaliteit_leveringshistorie"].severity == dg.AssetCheckSeverity.WARN


@pytest.mark.parametrize("soort,bron,ernst,bestand", DATA_QUALITY_EXPECTED,
                         ids=[f"{e[0]}-{e[1]}-{e[3]}" for e in DATA_QUALITY_EXPECTED])
def test_each_data_quality_deviation_is_reported_once(data_quality_run, soort, bron, ernst, bestand):
    run, _ = data_quality_run
    rows = deviations(run.db, "soort = ? AND bron = ?", [soort, bron])
    mine = [r for r in rows if r[5] == bestand]
    assert len(mine) == 1, rows
    assert mine[0][2] == ernst and mine[0][7]


def test_record_level_errors_name_the_stay(data_quality_run):
    run, _ = data_quality_run
    for soort, client in [("uitstroom_voor_instroom", "A_BACKWARDS"), ("overlappende_verblijven", "U_TWICE"),
                          ("gebeurtenis_buiten_verblijf", "A0")]:
        rows = deviations(run.db, "soort = ?", [soort])
        assert len(rows) == 1, (soort, rows)
        verblijf_keys = {k for (k,) in query(run.db, """
            SELECT verblijf_key FROM intermediate.int_verblijven__gekoppeld
            WHERE kennisstand = 'nieuwste' AND client_id = ?""", [client])}
        assert rows[0][4] in verblijf_keys and rows[0][3] is not None


def test_cli_shows_the_blocking_errors_of_the_last_run(data_quality_run, capsys):
    run, _ = data_quality_run
    assert deviations_main(["deviations", "--warehouse", str(run.warehouse), "--ernst", "fout", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert "--pipeline" in captured.err  # the published file is older than the last run
    assert deviations_main(["deviations", "--warehouse", str(run.warehouse), "--pipeline", "--ernst", "fout",
                            "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert len(lines) == sum(1 for e in DATA_QUALITY_EXPECTED if e[2] == "fout")


# --------------------------------------------------------------------------------------------
# The calibrated demo: its deviations are warnings, it publishes


def test_the_demo_publishes_and_lists_its_deviations(demo_warehouse):
    db = demo_warehouse.pipeline_db
    assert demo_warehouse.outcome.success
    assert (demo_warehouse.warehouse / "monitor.duckdb").exists()
    counts = dict(((b, s), n) for b, s, n in query(
        db, "SELECT bron, soort, count(*) FROM marts.fct_afwijkingen GROUP BY ALL"))
    assert query(db, "SELECT count(*) FROM marts.fct_afwijkingen WHERE ernst = 'fout'") == [(0,)]
    # The letter's deviations: families in Utrecht, safe-country persons beyond three months in Rotterdam.
    assert counts[("utrecht", "GEZIN")] >= 20
    assert counts[("rotterdam", "veilig_land_te_lang")] > 0
    assert counts[("eindhoven", "levering_geweigerd")] == 1
    assert query(demo_warehouse.warehouse / "monitor.duckdb", "SELECT count(*) FROM marts.fct_afwijkingen") == query(
        db, "SELECT count(*) FROM marts.fct_afwijkingen")


def test_no_check_blocks_the_demo(demo_warehouse, tmp_path):
    from pipelines.expectations.validate import run_check

    evaluations = {e.check_name: e for e in demo_warehouse.outcome.result.get_asset_check_evaluations()}
    for check in controles():
        outcome = run_check(check, demo_warehouse.pipeline_db, tmp_path, run_key="demo", data_docs=False)
        assert not outcome.blokkeert, outcome.samenvatting()
        if check.naam in evaluations:  # the checks are wired into the nightly job
            assert evaluations[check.naam].severity == dg.AssetCheckSeverity.WARN or evaluations[check.naam].passed


def test_a_run_reads_each_frame_once_and_judges_alike(demo_warehouse, tmp_path, monkeypatch):
    """The checks of one run share their frames (read once, dropped when no check to come needs
    them) and still report exactly what each check reports when it reads its frames itself."""
    from pipelines.expectations import validate

    db = demo_warehouse.pipeline_db
    alone = {c.naam: validate.run_check(c, db, tmp_path / "alone", run_key="los", data_docs=False) for c in controles()}

    reads: list[str] = []
    real_read = validate.read_frame
    monkeypatch.setattr(validate, "read_frame", lambda con, naam: reads.append(naam) or real_read(con, naam))
    names = {c.naam for c in controles()}
    shared = {c.naam: validate.run_check(c, db, tmp_path / "run", run_key="gedeeld", expected_checks=names)
              for c in controles()}

    frames_used = [f for c in controles() for f in c.frames]
    assert len(frames_used) > len(set(frames_used))  # some frames are judged by two checks
    assert sorted(reads) == sorted(set(frames_used))
    assert validate.sessie(tmp_path / "run", "gedeeld")._frames == {}  # nothing is kept after the run
    for naam, outcome in shared.items():
        assert outcome.samenvatting() == alone[naam].samenvatting()
        assert [(b.regel.soort, b.geslaagd, b.aantal, b.totaal, b.per_bron, b.voorbeelden) for b in outcome.bevindingen] == [
            (b.regel.soort, b.geslaagd, b.aantal, b.totaal, b.per_bron, b.voorbeelden) for b in alone[naam].bevindingen]
    assert (tmp_path / "run" / "data_docs" / "index.html").exists()
