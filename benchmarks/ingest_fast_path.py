"""Benchmark: the CSV reader and the raw-zone ingest, reference reader vs columnar fast path.

    python benchmarks/ingest_fast_path.py --scale 100 [--landing DIR] [--repeat 3] [--whole-landing]

Writes the demo feeds at `--scale` (or uses `--landing`), takes the largest CSV delivery and
measures, each in a fresh process per mode (so peak memory is that mode's own):

- `read`: `read_delivery` of that file alone (decode, record count, parse);
- `ingest`: `ingest_landing` of a landing holding only that file (read, header check, validation,
  writing the raw zone), into a new DuckDB file;
- with `--whole-landing`: `ingest_landing` of the whole landing.

Modes: `reference` (`LVV_CSV_FAST_PATH=0`: Python's csv module) and `fast` (pyarrow). Both run in
the same invocation, so the ratio is the figure to compare on a noisy machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

MODES = {"reference": "0", "fast": "1"}


def _measure(what: str, mode: str, target: str, workdir: str, queue: multiprocessing.Queue) -> None:
    os.environ["LVV_CSV_FAST_PATH"] = MODES[mode]
    from pipelines.ingest import ingest_landing
    from pipelines.ingest.readers import read_delivery

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    if what == "read":
        read = read_delivery(Path(target).read_bytes(), "csv")
        rows = len(read.records)
    else:
        reports = ingest_landing(Path(target), Path(workdir) / f"{mode}.duckdb")
        rows = sum(r.rows_read for r in reports)
        assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in reports)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "peak_mib": peak, "imports_mib": baseline, "rows": rows})


def _run(what: str, mode: str, target: Path, workdir: Path) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(what, mode, str(target), str(workdir), queue))
    process.start()
    result = queue.get()
    process.join()
    for leftover in workdir.glob(f"{mode}.duckdb*"):
        leftover.unlink()
    return result


def _largest_csv(landing: Path) -> Path:
    return max(landing.glob("*/*.csv"), key=lambda p: p.stat().st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--landing", type=Path, help="an existing landing folder (default: write the demo feeds)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--whole-landing", action="store_true", help="also ingest the whole landing both ways")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lvv-ingest-bench-"))
    try:
        landing = args.landing
        if landing is None:
            from pipelines.demo import write_demo_feeds

            landing = workdir / "landing"
            write_demo_feeds(landing, scale=args.scale)
        largest = _largest_csv(landing)
        single = workdir / "single"
        (single / largest.parent.name).mkdir(parents=True)
        shutil.copy(largest, single / largest.parent.name / largest.name)
        print(f"largest CSV: {largest.parent.name}/{largest.name} ({largest.stat().st_size / 2**20:.1f} MiB)")
        targets = {"read": largest, "ingest": single}
        if args.whole_landing:
            targets["ingest-landing"] = landing
        for what, target in targets.items():
            figures = {mode: [_run(what if what == "read" else "ingest", mode, target, workdir)
                              for _ in range(args.repeat)] for mode in MODES}
            median = {m: statistics.median(r["seconds"] for r in runs) for m, runs in figures.items()}
            peak = {m: max(r["peak_mib"] for r in runs) for m, runs in figures.items()}
            rows = {m: runs[0]["rows"] for m, runs in figures.items()}
            assert rows["reference"] == rows["fast"], rows
            print(
                f"{what:15s} rows {rows['fast']:>9,}  reference {median['reference']:7.2f} s {peak['reference']:6.0f} MiB  "
                f"fast {median['fast']:7.2f} s {peak['fast']:6.0f} MiB  ratio {median['reference'] / median['fast']:5.1f}x"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
