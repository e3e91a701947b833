"""A night with nothing new is not a night on which a silent source goes unnoticed.

The skip itself (fast, publication untouched, `overgeslagen` in the ledger, --force, a changed
delivery or threshold, the schedule's SkipReason) is tested in tests/test_nightly_skip.py. Here:
with `LVV_VERSHEID_REFERENTIE=rundatum` a source goes stale while nothing arrives; the freshness
rule is evaluated on the ledger before skipping, so that night rebuilds (and the blocking check
of `datakwaliteit_aanlevering` reports the source, as on any night) instead of being skipped.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from pipelines import nightly_fingerprint
from pipelines.config import PIPELINE_DB_NAME
from pipelines.runner import run_monitor


def _oldest_newest_peildatum(landing) -> date:
    """Of every bron+bestand the newest peildatum in the landing's file names; the oldest of those."""
    newest: dict[tuple[str, str], date] = {}
    for path in landing.glob("*/*_*_*.*"):
        match = re.fullmatch(r"([a-z]+)_([a-z]+)_(\d{8})\.(csv|xlsx)", path.name)
        if not match:
            continue
        try:
            peildatum = datetime.strptime(match.group(3), "%Y%m%d").date()
        except ValueError:
            continue  # not a real date: not a delivery
        key = (match.group(1), match.group(2))
        newest[key] = max(newest.get(key, peildatum), peildatum)
    return min(newest.values())


@pytest.fixture(scope="module")
def built_with_rundatum(tmp_path_factory, demo_env):
    """A good publish with the run date as freshness reference and a limit that holds today only."""
    from pipelines.demo import write_demo_feeds

    tmp = tmp_path_factory.mktemp("noop_night")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    write_demo_feeds(landing)
    limit = (date.today() - _oldest_newest_peildatum(landing)).days
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LVV_VERSHEID_REFERENTIE", "rundatum")
        mp.setenv("LVV_MAX_DAGEN_ZONDER_LEVERING", str(limit))
        outcome = run_monitor(landing, warehouse)
        assert outcome.success and not outcome.skipped, f"{outcome.failed_step}: {outcome.error}"
        yield landing, warehouse


def test_a_quiet_night_within_the_limit_is_skipped(built_with_rundatum):
    landing, warehouse = built_with_rundatum
    assert nightly_fingerprint.stale_sources(warehouse / PIPELINE_DB_NAME) == []
    assert run_monitor(landing, warehouse).skipped


def test_a_source_that_went_stale_while_nothing_arrived_rebuilds_and_is_named(built_with_rundatum, monkeypatch):
    landing, warehouse = built_with_rundatum
    tomorrow = date.today() + timedelta(days=1)

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return tomorrow

    monkeypatch.setattr(nightly_fingerprint, "date", Tomorrow)
    stale = nightly_fingerprint.stale_sources(warehouse / PIPELINE_DB_NAME)
    assert stale, "one day past the limit, the source with the oldest newest delivery is stale"
    decision = nightly_fingerprint.decide(landing, warehouse)
    assert decision.rebuild
    assert "verouderd" in decision.reason and stale[0] in decision.reason
