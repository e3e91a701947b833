"""A correction delivered later changes the newest figures of an earlier peildatum and leaves
the "as reported" figures of that peildatum as they were."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.monitor_table import monitor_rows
from pipelines.runner import run_monitor
from tests.cases import Population


def _population(corrected: bool) -> Population:
    pop = Population()
    pop.person("1000000001", date(1980, 1, 1))
    pop.person("1000000002", date(1981, 1, 1))
    # Known on 2020-07-01: left with destination unknown on 2020-06-15.
    reason = "TERUGKEER" if corrected else "MOB"
    pop.stay("rotterdam", "R1", "1000000001", date(1980, 1, 1), instroom=date(2019, 5, 1),
             uitstroom=date(2020, 6, 15), reden=reason)
    pop.stay("rotterdam", "R2", "1000000002", date(1981, 1, 1), instroom=date(2019, 5, 1))
    if corrected:
        # The DT&V registered the departure, within the 30-day window, before 2020-07-01.
        pop.departure("1000000001", date(2020, 6, 20), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "ERI")
    return pop


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, demo_env):
    tmp = tmp_path_factory.mktemp("as_reported")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    _population(corrected=False).write(landing, stamp="20200701")
    _population(corrected=True).write(landing, stamp="20201101")
    outcome = run_monitor(landing, warehouse)
    assert outcome.success, outcome.error
    return warehouse


def _totaal(warehouse, peildatum, as_reported):
    return next(r for r in monitor_rows(warehouse, peildatum, as_reported) if r["gemeente"] == "totaal")


def test_newest_figures_take_the_later_correction(warehouse):
    row = _totaal(warehouse, date(2020, 7, 1), as_reported=False)
    assert (row["terugkeer"], row["mob"], row["aanwezig"], row["ooit_opgevangen"]) == (1, 0, 1, 2)


def test_as_reported_figures_stay_as_they_were_known(warehouse):
    row = _totaal(warehouse, date(2020, 7, 1), as_reported=True)
    assert (row["terugkeer"], row["mob"], row["aanwezig"], row["ooit_opgevangen"]) == (0, 1, 1, 2)


def test_both_modes_agree_once_the_correction_was_known(warehouse):
    assert _totaal(warehouse, date(2020, 11, 1), True) == _totaal(warehouse, date(2020, 11, 1), False)


def test_before_any_delivery_as_reported_counts_nothing(warehouse):
    row = _totaal(warehouse, date(2020, 6, 30), as_reported=True)
    assert row["ooit_opgevangen"] == 0 and row["capaciteit"] == 1142


def test_precomputed_mart_equals_the_macro(warehouse):
    import duckdb

    con = duckdb.connect(str(warehouse / "lvv.duckdb"), read_only=True)
    try:
        mart = con.execute("""SELECT * EXCLUDE (peildatum, modus) FROM marts.fct_monitor
                              WHERE peildatum = DATE '2020-07-01' AND modus = 'zoals_gerapporteerd'""").fetchall()
        macro = con.execute("SELECT * EXCLUDE (peildatum, modus) FROM marts.monitor_op(DATE '2020-07-01', true)").fetchall()
    finally:
        con.close()
    assert mart == macro and len(mart) == 6
