"""fct_monitor and marts.monitor_op compute the monitor in two ways (dbt_project/macros/monitor.sql):
`monitor_query_stepwise` for every peildatum at once (step functions) and `monitor_query`, stay by
stay at one peildatum, as MONITOR.md reads. They must give the same rows on any data, not only on
the demo: hypothesis writes small adversarial basis tables (a person in two pilots at once,
overlapping stays in one pilot, stays that end before they begin, unlinked persons, events on the
day of instroom or uitstroom, records without a date, persons outside the target group) into a copy
of the demo's pipeline database, runs fct_monitor's compiled SQL on them, and compares every row
with monitor_op at that peildatum and mode."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PILOTS = ("amsterdam", "groningen", "rotterdam")
STATES = ("2019-06-01", "2019-09-01", "nieuwste")
FIRST = date(2019, 1, 1)
REDENEN = (None, "VERBLIJFSVERGUNNING", "TERUGKEER", "DOORMIGRATIE", "MOB", "ASIELAANVRAAG",
           "UITSTEL_VERTREK_ART64", "BBB", "GEDWONGEN_BEEINDIGD", "OVERIG", "ONBEKEND")


def _day(offset: int | None) -> date | None:
    return None if offset is None else FIRST + timedelta(days=offset)


# Half of the dates come from a small pool (the firsts of the months, which are the peildata, and
# a few others), so stays begin on the day another ends, events fall on instroom, uitstroom and
# peildatum, and the boundaries of "on or before" are met; the other half anywhere in 2019.
POOL = [(date(2019, month, 1) - FIRST).days for month in range(1, 11)] + [45, 46, 200]
days = st.one_of(st.integers(min_value=0, max_value=330), st.sampled_from(POOL))


@st.composite
def stays(draw):
    """One knowledge state's stays with their national records and trajectory events."""
    rows, evidence, events = [], [], []
    for number in range(draw(st.integers(min_value=0, max_value=8))):
        key = f"v{number}"
        instroom = draw(days)
        uitstroom = draw(st.one_of(st.none(), days))  # may lie before instroom: never present then
        rows.append((key, draw(st.sampled_from(("p1", "p2", "p3", None))), draw(st.sampled_from(PILOTS)),
                     _day(instroom), _day(uitstroom), draw(st.sampled_from(REDENEN)),
                     draw(st.sampled_from((True, True, True, False, None)))))
        # Dates unique per stay and kind: with two records on one day "the latest" has no answer
        # in either form (both take DuckDB's arg_max of a tie).
        for datum in draw(st.lists(st.one_of(st.none(), days), max_size=3, unique=True)):
            evidence.append((key, "vertrek", _day(datum), draw(st.sampled_from(("terugkeer", "doormigratie", "mob")))))
        for datum in draw(st.lists(days, max_size=2, unique=True)):
            evidence.append((key, "inwilliging", _day(datum), None))
        scenario_days = draw(st.lists(st.one_of(days, st.sampled_from((instroom, uitstroom or instroom))),
                                      max_size=3, unique=True))
        for datum in scenario_days:
            events.append((key, _day(datum), draw(st.sampled_from(("SCENARIO_VERTREK", "SCENARIO_VERBLIJF")))))
        for datum in draw(st.lists(st.one_of(st.none(), days), max_size=2)):
            events.append((key, _day(datum), draw(st.sampled_from(("MRT_ADVIES", "MRT_AANGEMELD")))))
    return rows, evidence, events


@pytest.fixture(scope="module")
def basis(demo_warehouse, tmp_path_factory):
    """A copy of the demo's pipeline database (same file name, so fct_monitor's compiled SQL,
    which names database `lvv`, runs on it) and that compiled SQL."""
    folder = tmp_path_factory.mktemp("two_forms")
    shutil.copy(demo_warehouse.pipeline_db, folder / "lvv.duckdb")
    compiled = next((demo_warehouse.warehouse / "dbt").glob("*/compiled/lvv_monitor/models/marts/monitor/fct_monitor.sql"))
    con = duckdb.connect(str(folder / "lvv.duckdb"))
    yield con, compiled.read_text(encoding="utf-8")
    con.close()


def _write(con, states: dict[str, tuple]) -> None:
    con.execute("DELETE FROM marts.dim_monitor_kennisstanden")
    con.execute("INSERT INTO marts.dim_monitor_kennisstanden VALUES "
                "('2019-06-01', DATE '2019-06-01'), ('2019-09-01', DATE '2019-09-01'), ('nieuwste', DATE '9999-12-31')")
    for table in ("fct_monitor_verblijven", "fct_monitor_bewijs", "fct_monitor_gebeurtenissen"):
        con.execute(f"DELETE FROM marts.{table}")
    for kennisstand, (rows, evidence, events) in states.items():
        if rows:
            con.executemany("INSERT INTO marts.fct_monitor_verblijven VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(kennisstand, *row) for row in rows])
        if evidence:
            con.executemany("INSERT INTO marts.fct_monitor_bewijs VALUES (?, ?, ?, ?, ?)",
                            [(kennisstand, *row) for row in evidence])
        if events:
            con.executemany("INSERT INTO marts.fct_monitor_gebeurtenissen VALUES (?, ?, ?, ?)",
                            [(kennisstand, *row) for row in events])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({state: stays() for state in STATES}))
def test_fct_monitor_equals_monitor_op_at_every_peildatum(basis, states):
    con, stepwise_sql = basis
    _write(con, states)
    stepwise = con.execute(stepwise_sql).fetchall()
    assert stepwise, "fct_monitor gave no rows"
    by_date: dict[tuple, list] = {}
    for row in stepwise:
        by_date.setdefault((row[0], row[1]), []).append(row)
    for (peildatum, modus), rows in by_date.items():
        per_peildatum = con.execute("SELECT * FROM marts.monitor_op(?, ?)",
                                    [peildatum, modus == "zoals_gerapporteerd"]).fetchall()
        assert sorted(rows, key=str) == sorted(per_peildatum, key=str), (peildatum, modus)


def test_the_generated_cases_reach_both_paths_of_the_stepwise_form(basis):
    """The case of a person present in two pilots at once goes through the per-peildatum path
    (overlapping stays), a person alone in a pilot through the step functions: both give the
    figures MONITOR.md asks for."""
    con, stepwise_sql = basis
    rows = [("v1", "p1", "amsterdam", date(2019, 1, 1), None, None, True),
            ("v2", "p1", "groningen", date(2019, 2, 1), None, None, True),
            ("v3", "p2", "amsterdam", date(2019, 1, 10), date(2019, 3, 1), "VERBLIJFSVERGUNNING", True)]
    events = [("v1", date(2019, 2, 1), "SCENARIO_VERTREK"), ("v2", date(2019, 3, 1), "SCENARIO_VERBLIJF")]
    evidence = [("v3", "inwilliging", date(2019, 3, 15), None)]
    _write(con, {"nieuwste": (rows, evidence, events)})
    result = con.execute(stepwise_sql)
    columns = [d[0] for d in result.description]
    got = {r[2]: dict(zip(columns, r)) for r in result.fetchall() if r[0] == date(2019, 4, 1) and r[1] == "nieuwste"}
    totaal = got["totaal"]
    assert (totaal["ooit_opgevangen"], totaal["aanwezig"], totaal["bestendig_verblijf"]) == (2, 1, 1)
    # Nationally the stay that started last (v2, SCENARIO_VERBLIJF) decides; per pilot each its own.
    assert (totaal["scenario_verblijf"], totaal["scenario_vertrek"]) == (1, 0)
    (gemeente,) = con.execute("SELECT gemeente FROM marts.dim_pilot WHERE bron = 'amsterdam'").fetchone()
    amsterdam = got[gemeente]
    assert (amsterdam["aanwezig"], amsterdam["scenario_vertrek"], amsterdam["bestendig_verblijf"]) == (1, 1, 1)
