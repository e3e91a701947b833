"""One manner for the command line (issue 15): the same peildatum rule and exit codes for
`monitor`, `report` and `extract`, no tracebacks, refused unknown values, tables of at most 100
columns, and the report's deviation labels as the monitor names them. On the demo run."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _newest(warehouse: Path) -> date:
    con = duckdb.connect(str(warehouse / "monitor.duckdb"), read_only=True)
    try:
        return con.execute("SELECT max(peildatum) FROM marts.publicatie_leveringen").fetchall()[0][0]
    finally:
        con.close()


def _commands(warehouse: Path, peildatum: date, tmp_path: Path) -> dict[str, list[str]]:
    p = peildatum.isoformat()
    return {
        "monitor": ["monitor", "--warehouse", str(warehouse), "--peildatum", p],
        "report": ["report", "--warehouse", str(warehouse), "--peildatum", p, "--out", str(tmp_path / f"r-{p}.html")],
        "extract": ["extract", "--warehouse", str(warehouse), "--peildatum", p, "--out", str(tmp_path / f"x-{p}"),
                    "--demo"],
    }


def test_one_peildatum_rule_and_exit_code_for_monitor_report_extract(demo_warehouse, tmp_path, capsys):
    newest = _newest(demo_warehouse.warehouse)
    for wrong in (date(2019, 3, 31), newest + timedelta(days=1)):
        messages = set()
        for name, argv in _commands(demo_warehouse.warehouse, wrong, tmp_path).items():
            assert main(argv) == 2, name
            err = capsys.readouterr().err
            assert f"kies een peildatum van 2019-04-01 t/m {newest.isoformat()}" in err, (name, err)
            messages.add(err.strip())
        assert len(messages) == 1, "the three commands say the same"
    for name, argv in _commands(demo_warehouse.warehouse, newest, tmp_path).items():
        assert main(argv) == 0, name
    capsys.readouterr()


def test_missing_warehouse_is_refused_alike(tmp_path, capsys):
    for name, argv in _commands(tmp_path / "leeg", date(2020, 11, 1), tmp_path).items():
        assert main(argv) == 2, name
        assert "lvv-monitor run" in capsys.readouterr().err


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LVV_DEMO", "LVV_PSEUDONYM_KEY")}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300, **kwargs)


def test_no_tracebacks(demo_warehouse, tmp_path):
    scale = _run("demo", "--landing", str(tmp_path / "l"), "--scale", "0")
    assert scale.returncode == 2 and "Traceback" not in scale.stderr and "--scale" in scale.stderr
    # A reader that goes away at once (as `| head -1` does after its line).
    process = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "deviations", "--warehouse",
                                str(demo_warehouse.warehouse)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(120)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert process.returncode == 141


def test_an_unknown_soort_is_refused(demo_warehouse, capsys):
    assert main(["deviations", "--warehouse", str(demo_warehouse.warehouse), "--soort", "GEEN_SOORT"]) == 2
    err = capsys.readouterr().err
    assert "onbekende soort" in err and "EU_BURGER" in err
    assert main(["deviations", "--warehouse", str(demo_warehouse.warehouse), "--soort", "eu_burger"]) == 0
    assert "EU_BURGER" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["monitor", "--peildatum", "2020-11-01"],
    ["deviations"],
    ["status"],
])
def test_tables_fit_100_columns(demo_warehouse, capsys, argv):
    assert main([argv[0], "--warehouse", str(demo_warehouse.warehouse), *argv[1:]]) == 0
    out = capsys.readouterr().out
    assert out.strip()
    path = str(demo_warehouse.warehouse)  # a path is as long as it is: only the rest must fit
    too_wide = [line for line in out.splitlines() if len(line.replace(path, "")) > 100]
    assert too_wide == [], too_wide[:3]


def test_the_monitor_table_keeps_every_figure(demo_warehouse, capsys):
    """Transposed for people: still every column of MONITOR.md and every figure of the macro."""
    from pipelines.monitor_table import MONITOR_COLUMNS, monitor_rows

    assert main(["monitor", "--warehouse", str(demo_warehouse.warehouse), "--peildatum", "2020-11-01"]) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[2:] if line.strip()}
    rows = monitor_rows(demo_warehouse.warehouse, date(2020, 11, 1))
    assert lines["kolom"] == [r["gemeente"] for r in rows]
    for column in MONITOR_COLUMNS[1:]:
        assert lines[column] == [str(r[column]) for r in rows], column


def test_extract_says_when_the_warehouse_is_demo(demo_warehouse, tmp_path):
    refused = _run("extract", "--warehouse", str(demo_warehouse.warehouse), "--peildatum", "2020-11-01",
                   "--out", str(tmp_path / "x"))
    assert refused.returncode == 2 and "DEMO" in refused.stderr and "--demo" in refused.stderr


def test_report_names_deviations_as_the_monitor_does(demo_warehouse, tmp_path):
    from pipelines.report import write_report
    from pipelines.report.labels import BUITEN_DOELGROEP_REDEN, afwijking_label

    assert afwijking_label("EU_BURGER") == "EU-burger"
    html = write_report(demo_warehouse.warehouse / "monitor.duckdb", date(2020, 11, 1), tmp_path / "r.html") \
        .read_text(encoding="utf-8")
    con = duckdb.connect(str(demo_warehouse.warehouse / "monitor.duckdb"), read_only=True)
    try:
        codes = [c for (c,) in con.execute("SELECT DISTINCT soort FROM marts.fct_afwijkingen").fetchall()]
    finally:
        con.close()
    for code in codes:
        if code.isupper():
            mechanical = code.replace("_", " ").capitalize()
            assert afwijking_label(code) != mechanical or code in ("DUBLINCLAIM", "ONGEWENSTVERKLARING"), code
    present = [c for c in codes if c in BUITEN_DOELGROEP_REDEN]
    assert present and all(BUITEN_DOELGROEP_REDEN[c] in html for c in present)
    assert "Eu burger" not in html
