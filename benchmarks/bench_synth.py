"""Benchmark: `credcert data synth --rows 1000000` as a whole process.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_synth.py [--rows 1000000] [--runs 3]

The issue's target is absolute (at most 20 s for one million rows on the
2-core machine), so there is no anchor to compare against; each run's wall
time and peak memory are printed with the median, then the file of the last
run is validated against the data contract.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from subscribers import read_subscribers
from subscribers.synth import ORACLE, TARGET


def run_once(rows: int, out: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one synth process."""
    command = [
        sys.executable,
        "-m",
        "credcert",
        "data",
        "synth",
        "--rows",
        str(rows),
        "--seed",
        "1",
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"synth failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "subscribers.parquet"
        results = [run_once(args.rows, out) for _ in range(args.runs)]
        for i, (seconds, mib) in enumerate(results, start=1):
            print(f"run {i}: {seconds:6.2f} s wall, peak {mib:7.0f} MiB")
        median = statistics.median(s for s, _ in results)
        print(
            f"median: {median:.2f} s for {args.rows:,} rows "
            f"({args.rows / median / 1e3:.0f}k rows/s)"
        )
        started = time.perf_counter()
        frame = read_subscribers(out, allow=(TARGET, ORACLE))
        print(
            f"validated {len(frame):,} rows against the data contract in "
            f"{time.perf_counter() - started:.2f} s; "
            f"file size {out.stat().st_size / 2**20:.0f} MiB"
        )


if __name__ == "__main__":
    main()
