"""The nightly schedule and the landing sensor, evaluated for real against a landing folder."""

from __future__ import annotations

import os
from unittest import mock

import dagster as dg

from pipelines.config import Paths
from pipelines.definitions import build_definitions
from pipelines.defs.automation import landing_sensor, nightly_schedule
from pipelines.defs.resources import WarehouseResource
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver


def test_the_schedule_runs_the_whole_job_at_two_in_amsterdam():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    assert nightly_schedule.execution_timezone == "Europe/Amsterdam"
    assert nightly_schedule.job_name == "nightly_monitor"


def test_the_job_covers_every_asset_and_runs_in_one_process(tmp_path):
    defs = build_definitions(Paths(tmp_path / "landing", tmp_path / "warehouse"))
    job = defs.resolve_job_def("nightly_monitor")
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/landing_scan", "raw/gemeente_verblijven", "linkage/person_links", "marts/fct_monitor",
            "published/monitor", "published/report"} <= keys
    assert job.executor_def.name == "in_process"


def _evaluate(landing, cursor=None):
    resource = WarehouseResource(landing_dir=str(landing), warehouse_dir=str(landing.parent / "warehouse"))
    # `with`: the warehouse resource has a run lifecycle (the run lock), so its context is scoped.
    with dg.build_sensor_context(cursor=cursor, resources={"warehouse": resource}) as context, \
            mock.patch.dict(os.environ, {"LVV_DEMO": "1"}):  # the sensor skips without a usable key
        return landing_sensor(context), context.cursor


def test_the_sensor_starts_a_run_when_a_file_lands_and_not_again(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    first, cursor = _evaluate(landing)
    assert isinstance(first, dg.RunRequest) and first.run_key == cursor
    again, same_cursor = _evaluate(landing, cursor)
    assert isinstance(again, dg.SkipReason) and same_cursor == cursor
    deliver(landing, "ind/ind_maatregelen_20201101.csv", b"v_nummer,maatregel,ingangsdatum\n1000000001,DUBLINCLAIM,2019-01-01\n")
    third, new_cursor = _evaluate(landing, cursor)
    assert isinstance(third, dg.RunRequest) and new_cursor != cursor


def test_files_that_are_not_deliveries_do_not_wake_the_sensor(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    _, cursor = _evaluate(landing)
    deliver(landing, "utrecht/~$utrecht_verblijven_20201101.xlsx", b"lock")
    deliver(landing, "LEESMIJ.txt", b"x")
    result, _ = _evaluate(landing, cursor)
    assert isinstance(result, dg.SkipReason)
