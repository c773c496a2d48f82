"""Benchmark of the rule layer: durable_rules with traces against a plain Host loop.

Run on demand (not part of pytest)::

    .venv/bin/python benchmarks/bench_rules.py --subjects 1000000

It measures, in one run and on the same synthetic subjects:

1. the anchor: a plain loop over durable_rules' own ``Host`` API (assert the
   subject as a fact with its own session id, collect fired rules in Python
   actions, delete the state), on the same compiled rules;
2. :meth:`rules.RuleEngine.evaluate` in one process, with traces;
3. :func:`rules.evaluate_batch` on one and on both cores, from a frame of
   records (facts conversion included), with the cores it kept busy;
4. resident memory of one engine over ``--subjects`` evaluations.

Figures are printed as a Markdown table, with ratios to the anchor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from itertools import cycle, islice
from typing import Any

import psutil
from durable.engine import Host

from rules import (
    DURABLE_RULES_VERSION,
    RuleEngine,
    evaluate_batch,
    facts_records,
    load_ruleset,
)
from rules._compile import compile_rules
from subscribers.synth import generate

DAY = dt.date(2026, 12, 1)


def host_loop(definition: str, subjects: list[dict[str, Any]]) -> tuple[float, float]:
    """Subjects per second through durable_rules' Host API, one fact per session."""
    rules = json.loads(definition)
    fired: list[str] = []
    for name, rule in rules.items():
        rule["run"] = lambda c, name=name: fired.append(name)
    host = Host({"bench": rules})
    started, cpu = time.perf_counter(), time.process_time()
    for sid, facts in enumerate(subjects, 1):
        fact = {k: v for k, v in facts.items() if v is not None}
        fact["sid"] = str(sid)
        fact["credcert_subject"] = 1
        host.assert_fact("bench", fact)
        host.delete_state("bench", str(sid))
    return _rates(len(subjects), started, cpu)


def engine_loop(
    engine: RuleEngine, subjects: list[dict[str, Any]]
) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    for facts in subjects:
        engine.evaluate(facts)
    return _rates(len(subjects), started, cpu)


def _rates(count: int, started: float, cpu: float) -> tuple[float, float]:
    """Subjects per wall second and per CPU second of this process."""
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    return count / wall, count / used


def batch_rate(
    ruleset: Any, frame: Any, processes: int
) -> tuple[float, float, list[float]]:
    """Subjects per second, the cores kept busy (CPU seconds of this process
    and of its worker processes, sampled while they run, over wall seconds),
    and the CPU seconds of each worker."""
    me = psutil.Process()
    baseline = _child_cpu(me)
    cpu_before, started = sum(me.cpu_times()[:2]), time.perf_counter()
    seen: dict[int, float] = {}
    count = 0
    for count, _ in enumerate(
        evaluate_batch(ruleset, frame, on=DAY, processes=processes), 1
    ):
        if count % 5_000 == 0:
            seen.update(_child_cpu(me))
    wall = time.perf_counter() - started
    used = {pid: cpu - baseline.get(pid, 0.0) for pid, cpu in seen.items()}
    alive = _child_cpu(me)  # the fork server outlives the pool; workers do not
    per_worker = sorted((c for p, c in used.items() if p not in alive), reverse=True)
    cpu = sum(me.cpu_times()[:2]) - cpu_before + sum(used.values())
    return count / wall, cpu / wall, per_worker


def _child_cpu(process: psutil.Process) -> dict[int, float]:
    """CPU seconds of every live descendant (workers of a fork server too)."""
    out = {}
    for child in process.children(recursive=True):
        try:
            out[child.pid] = sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return out


def memory_over(
    engine: RuleEngine, subjects: list[dict[str, Any]], total: int
) -> list[float]:
    """RSS in MiB after each tenth of ``total`` evaluations."""
    process = psutil.Process()
    marks = []
    step = total // 10
    stream = cycle(subjects)
    for _ in range(10):
        for facts in islice(stream, step):
            engine.evaluate(facts)
        marks.append(process.memory_info().rss / 2**20)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument(
        "--sample", type=int, default=50_000, help="subjects per loop measurement"
    )
    parser.add_argument(
        "--batch", type=int, default=200_000, help="subjects per batch measurement"
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ruleset = load_ruleset()
    frame = generate(args.batch, seed=1)
    subjects = list(facts_records(frame.iloc[: args.sample]))
    definition = compile_rules(ruleset.rules_on(DAY)).definition
    engine = RuleEngine(ruleset, on=DAY)

    host, ours, one, two = [], [], [], []
    for _ in range(args.runs):  # interleaved, so all see the same machine load
        host.append(host_loop(definition, subjects))
        ours.append(engine_loop(engine, subjects))
        one.append(batch_rate(ruleset, frame, 1))
        two.append(batch_rate(ruleset, frame, 2))
    host_rate = statistics.median(rate for rate, _ in host)
    our_rate = statistics.median(rate for rate, _ in ours)
    host_cpu = statistics.median(cpu for _, cpu in host)
    our_cpu = statistics.median(cpu for _, cpu in ours)
    one_core, one_busy, _ = max(one)
    two_cores, two_busy, workers = max(two)
    # Chunks are shared out evenly, so each worker evaluates about batch/n.
    worker_rate = args.batch / len(workers) / workers[0] if workers else 0.0
    memory = memory_over(engine, subjects, args.subjects)

    print(
        f"durable-rules {DURABLE_RULES_VERSION}, {os.cpu_count()} cores; loops "
        f"over {args.sample:,} subjects (median of {args.runs}); batches of "
        f"{args.batch:,} (best of {args.runs}); memory over {args.subjects:,}\n"
    )
    print("| figure | value | ratio to Host loop |")
    print("| --- | --- | --- |")
    print(f"| Host API loop (anchor), 1 core | {host_rate:,.0f}/s | 1.00 |")
    print(
        f"| RuleEngine.evaluate with traces, 1 core | {our_rate:,.0f}/s | "
        f"{our_rate / host_rate:.2f} |"
    )
    print(f"| Host API loop, per CPU second | {host_cpu:,.0f} | 1.00 |")
    print(
        f"| RuleEngine.evaluate with traces, per CPU second | {our_cpu:,.0f} | "
        f"{our_cpu / host_cpu:.2f} |"
    )
    print(
        f"| evaluate_batch, 1 process | {one_core:,.0f}/s | "
        f"{one_core / host_rate:.2f} |"
    )
    print(
        f"| evaluate_batch, 2 processes | {two_cores:,.0f}/s | "
        f"{two_cores / host_rate:.2f} |"
    )
    print(f"| speed-up of 2 processes over 1 | {two_cores / one_core:.2f}x | |")
    print(f"| cores busy, 1 / 2 processes | {one_busy:.2f} / {two_busy:.2f} | |")
    split = " / ".join(f"{cpu:.1f}" for cpu in workers)
    print(f"| CPU seconds of each worker, 2 processes | {split} | |")
    print(f"| subjects per CPU second of the busiest worker | {worker_rate:,.0f} | |")
    print(
        f"| RSS after 10% / 100% of {args.subjects:,} evaluations | "
        f"{memory[0]:.0f} / {memory[-1]:.0f} MiB | |"
    )
    print(f"| RSS growth over the last 90% | {memory[-1] - memory[0]:+.1f} MiB | |")


if __name__ == "__main__":
    main()
