"""Benchmark of certificate issuing: one certificate in process, and whole files.

Figures go to docs/benchmarks.md ("Certificates"). Run on demand, never in the
test suite::

    .venv/bin/python benchmarks/bench_certificates.py single --subjects 5000
    .venv/bin/python benchmarks/bench_certificates.py batch --rows 1000000
    .venv/bin/python benchmarks/bench_certificates.py engines --rows 10000000

``single`` times :meth:`credcert.issue.Issuer.issue` on a mapping (contract
validation, pseudonym, rules on durable_rules, score, reasons, Chinese text,
canonical JSON, Ed25519 signature, decision-log entry). ``batch`` issues a
synthetic file end to end with 2 worker processes (rules, score, reason codes,
signatures, Parquet out; no database). ``engines`` issues the same file on a
plain 2-process pool and on a local Dask cluster of 2 worker processes, in the
same run, alternating the two (``--runs`` pairs), and compares them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from credcert.batch import issue_file
from credcert.issue import Issuer
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing, verify_document
from rules import RuleEngine, load_ruleset
from scorecard import load_artifact
from subscribers import record_columns, write_subscribers
from subscribers.synth import generate

AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
CARD = Path(__file__).parents[1] / "tests" / "certificates" / "data" / "scorecard.json"
KEY = b"benchmark-pseudonym-key-0123456789"


def _ring(folder: Path) -> KeyRing:
    return KeyRing.open(folder / "keys", now=AT - dt.timedelta(days=1))


def single(args: argparse.Namespace, work: Path) -> None:
    ring = _ring(work)
    issuer = Issuer(
        rules=RuleEngine(load_ruleset(), on=AT.date()),
        scorecard=load_artifact(CARD),
        pseudonymizer=Pseudonymizer(KEY),
        keys=ring,
    )
    frame = generate(args.subjects + 500, seed=3)[list(record_columns())]
    rows = [
        {k: (None if v is None or v != v else v) for k, v in row.items()}
        for row in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]
    for row in rows:
        for name in ("activated_on", "evaluation_date", "earliest_negative_on"):
            if row.get(name) is not None:
                row[name] = row[name].date()
        for name in [c for c in row if c.endswith("_as_of")]:
            if row[name] is not None:
                row[name] = row[name].date()
    for row in rows[:500]:
        issuer.issue(row, at=AT)
    runs, cpu_runs = [], []
    for _ in range(args.runs):
        times, cpu = [], []
        for row in rows[500:]:
            start, start_cpu = time.perf_counter(), time.thread_time()
            issuer.issue(row, at=AT)
            cpu.append(time.thread_time() - start_cpu)
            times.append(time.perf_counter() - start)
        for out, values in ((runs, times), (cpu_runs, cpu)):
            micro = np.asarray(values) * 1e6
            out.append((np.percentile(micro, 50), np.percentile(micro, 99)))
        gc.collect()
    print(f"one certificate, {args.subjects} subjects x {args.runs} runs:")
    for label, found in (("wall", runs), ("CPU of the thread", cpu_runs)):
        p50 = statistics.median(r[0] for r in found)
        p99 = statistics.median(r[1] for r in found)
        print(f"  {label}: p50 {p50:.0f} us, p99 {p99:.0f} us (median over runs)")
        print("    per run (p50, p99):", [(round(a), round(b)) for a, b in found])


def _file(rows: int, work: Path) -> Path:
    """A synthetic subscriber file of ``rows`` rows, generated in slices."""
    path = work / f"subscribers-{rows}.parquet"
    if path.exists():
        return path
    writer = None
    step = 1_000_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        frame = generate(n, seed=start // step)
        frame["subscription_id"] = [f"S{start + i:010d}" for i in range(n)]
        part = write_subscribers(frame, work / "slice.parquet")
        table = pq.read_table(part)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    return path


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _timed(source: Path, out: Path, ring: KeyRing, **options: object) -> float:
    """Wall seconds of one batch; prints its CPU seconds, cores busy and load."""
    return _run_once(source, out, ring, **options)["wall"]


def _run_once(
    source: Path, out: Path, ring: KeyRing, **options: object
) -> dict[str, float]:
    """One batch: wall and CPU seconds (this process and its workers), load.

    The main process's share is printed apart: it reads, validates, signs and
    writes, and competes with the workers for the cores.
    """
    shutil.rmtree(out, ignore_errors=True)
    load_before = os.getloadavg()[0]
    own, children = _cpu()
    start = time.perf_counter()
    issue_file(
        source,
        out,
        scorecard=CARD,
        key=ring.active(),
        pseudonymizer=Pseudonymizer(KEY),
        at=AT,
        **options,  # type: ignore[arg-type]
    )
    wall = time.perf_counter() - start
    own_after, children_after = _cpu()
    main = own_after - own
    used = main + children_after - children
    rows = pq.ParquetFile(source).metadata.num_rows
    load_after = os.getloadavg()[0]
    print(
        f"    {time.strftime('%H:%M:%S')} {options.get('engine')}: wall {wall:.1f} s, "
        f"CPU {used:.1f} s = {used / rows * 1e6:.0f} us per certificate "
        f"(main process {main / rows * 1e6:.0f} us), "
        f"{used / wall:.2f} cores busy; load average {load_before:.1f} -> "
        f"{load_after:.1f}",
        flush=True,
    )
    return {"wall": wall, "cpu": used, "load": max(load_before, load_after)}


def batch(args: argparse.Namespace, work: Path) -> None:
    ring = _ring(work)
    source = _file(args.rows, work)
    seconds = []
    for _ in range(args.runs):
        seconds.append(
            _timed(
                source,
                work / "out",
                ring,
                engine="processes",
                processes=2,
                chunk_size=args.chunk_size,
            )
        )
    parts = sorted((work / "out").glob("part-*.parquet"))
    sample = [
        text
        for part in parts[:: max(1, len(parts) // 10)]
        for text in pq.read_table(part, columns=["certificate"])
        .column(0)
        .to_pylist()[::500]
    ]
    public = ring.public()
    for text in sample:
        verify_document(json.loads(text), public)
    size = sum(p.stat().st_size for p in (work / "out").glob("part-*.parquet"))
    wall = statistics.median(seconds)
    print(f"batch, {args.rows:,} subscribers, 2 worker processes, no database:")
    print(f"  wall {wall:.1f} s (median of {seconds}), {args.rows / wall:,.0f} per s")
    print(
        f"  Parquet out: {size / 2**20:.0f} MiB; "
        f"{len(sample)} sampled certificates verified"
    )


def engines(args: argparse.Namespace, work: Path) -> None:
    """Pool and Dask on the same file, interleaved (pool, Dask, Dask, pool, ...).

    The machine may be shared: alternating the engines, in an order that
    flips every pair, spreads slow spells over both, and each pair's ratio
    is reported next to the load it ran under.
    """
    ring = _ring(work)
    source = _file(args.rows, work)
    common = {"processes": 2, "chunk_size": args.chunk_size}
    runs: dict[str, list[dict[str, float]]] = {"processes": [], "dask": []}
    for k in range(args.runs):
        order = ("processes", "dask") if k % 2 == 0 else ("dask", "processes")
        for engine in order:
            runs[engine].append(
                _run_once(source, work / engine, ring, engine=engine, **common)
            )
    same = all(
        pq.read_table(a).equals(pq.read_table(b))
        for a, b in zip(
            sorted((work / "processes").glob("part-*.parquet")),
            sorted((work / "dask").glob("part-*.parquet")),
            strict=True,
        )
    )
    print(f"engines, {args.rows:,} subscribers, same run, {args.runs} pair(s):")
    for k, (pool, dask) in enumerate(zip(runs["processes"], runs["dask"], strict=True)):
        print(
            f"  pair {k + 1}: pool {pool['wall']:.1f} s, Dask {dask['wall']:.1f} s, "
            f"Dask / pool throughput {pool['wall'] / dask['wall']:.2f}; "
            f"CPU per certificate pool {pool['cpu'] / args.rows * 1e6:.0f} us, "
            f"Dask {dask['cpu'] / args.rows * 1e6:.0f} us; "
            f"highest load {max(pool['load'], dask['load']):.1f}"
        )
    pool_wall = statistics.median(r["wall"] for r in runs["processes"])
    dask_wall = statistics.median(r["wall"] for r in runs["dask"])
    print(f"  2-process pool: {pool_wall:.1f} s ({args.rows / pool_wall:,.0f}/s)")
    print(
        f"  Dask LocalCluster, 2 worker processes: {dask_wall:.1f} s "
        f"({args.rows / dask_wall:,.0f}/s)"
    )
    print(
        f"  Dask throughput / pool throughput (medians): {pool_wall / dask_wall:.2f}; "
        f"identical output: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("single", "batch", "engines"))
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--runs", type=int, default=3, help="Runs (batch) or pairs (engines)."
    )
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--work", type=Path, default=None, help="Keep files here.")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="credcert-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    {"single": single, "batch": batch, "engines": engines}[args.what](args, work)


if __name__ == "__main__":
    main()
