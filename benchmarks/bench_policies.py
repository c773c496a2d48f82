"""Benchmark of scenario answers: one question about one certificate, in process.

Figures go to docs/benchmarks.md ("Scenario answers"). Run on demand, never
in the test suite::

    .venv/bin/python benchmarks/bench_policies.py --certificates 2000 --runs 3

Certificates are issued first (rules, the test scorecard, the explanation
layer) and kept as parsed documents, as the service holds them. Then, for
every certificate and every shipped scenario, in the same run:

* ``ed25519``: the anchor, one bare Ed25519 signature of 32 bytes;
* ``decide``: reading the certificate's facts and the first-match decision;
* ``answer``: :func:`credcert.policies.answer` (facts, decision, the answer
  document, canonical JSON, SHA-256, one-leaf Merkle signature);
* ``verify``: :func:`credcert.policies.verify_answer` of that answer;
* ``explain``: :func:`credcert.policies.explain_answer` (zh and en sentences).

Target: ``answer`` p99 under 1 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from credcert.issue import Issuer
from credcert.policies import answer, explain_answer, load_policies, verify_answer
from credcert.pseudonym import Pseudonymizer
from credcert.signing import PublicKey, PublicKeyRing, SigningKey
from rules import RuleEngine, load_ruleset
from scorecard import load_artifact
from subscribers import iter_records
from subscribers.synth import ORACLE, TARGET, generate

AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
CARD = Path(__file__).parents[1] / "tests" / "certificates" / "data" / "scorecard.json"


def _certificates(count: int, key: SigningKey) -> list[dict[str, Any]]:
    frame = generate(count, seed=21).drop(columns=[TARGET, ORACLE])
    with RuleEngine(load_ruleset(), on=AT.date()) as engine:
        issuer = Issuer(
            rules=engine,
            scorecard=load_artifact(CARD),
            pseudonymizer=Pseudonymizer(os.urandom(32)),
            keys=key,
        )
        return [issuer.issue(r, at=AT).document for r in iter_records(frame)]


def _time(
    work: Callable[[Any], object], items: list[Any]
) -> tuple[list[float], list[float]]:
    """Wall and thread-CPU seconds of each call (CPU ignores preemption)."""
    gc.collect()
    gc.disable()
    try:
        wall, cpu = [], []
        for item in items:
            start, start_cpu = time.perf_counter(), time.thread_time()
            work(item)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
        return wall, cpu
    finally:
        gc.enable()


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    key = SigningKey.generate()
    public = key.private.public_key().public_bytes_raw()
    ring = PublicKeyRing(
        [PublicKey(key.kid, public, AT - dt.timedelta(days=1), None, "active")]
    )
    documents = _certificates(args.certificates, key)
    policies = load_policies()
    chosen = [policies.policy(s, AT.date()) for s in policies.scenarios]
    pairs = [(p, d) for d in documents for p in chosen]
    answers = [answer(p, d, at=AT, key=key, partner="bench") for p, d in pairs]
    later = AT + dt.timedelta(hours=1)
    from credcert.policies import decide, facts_of

    work: dict[str, tuple[Callable[[Any], object], list[Any]]] = {
        "ed25519": (lambda _: key.sign(b"\x00" * 32), pairs),
        "decide": (lambda pd: decide(pd[0], facts_of(pd[1], on=AT.date())), pairs),
        "answer": (
            lambda pd: answer(pd[0], pd[1], at=AT, key=key, partner="bench"),
            pairs,
        ),
        "verify": (lambda a: verify_answer(a, ring, at=later), answers),
        "explain": (lambda pd: explain_answer(pd[0], pd[1], at=AT).lines("zh"), pairs),
    }
    for fn, items in work.values():  # warm up
        for item in items[:200]:
            fn(item)
    results: dict[str, list[tuple[float, ...]]] = {name: [] for name in work}
    for _ in range(args.runs):
        for name, (fn, items) in work.items():
            wall, cpu = _time(fn, items)
            results[name].append(
                (
                    statistics.median(wall),
                    _quantile(wall, 0.99),
                    statistics.median(cpu),
                    _quantile(cpu, 0.99),
                )
            )
    anchor = statistics.median(r[0] for r in results["ed25519"])
    print(
        f"{len(pairs):,} questions ({len(documents):,} certificates x "
        f"{len(chosen)} scenarios), median of {args.runs} runs, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'work':<8} {'wall p50':>9} {'wall p99':>9} {'CPU p50':>9} {'CPU p99':>9} "
        f"{'p50 / ed25519':>14}   (microseconds)"
    )
    for name, runs in results.items():
        p50, p99, c50, c99 = (statistics.median(r[i] for r in runs) for i in range(4))
        print(
            f"{name:<8} {p50 * 1e6:9.1f} {p99 * 1e6:9.1f} {c50 * 1e6:9.1f} "
            f"{c99 * 1e6:9.1f} {p50 / anchor:14.1f}"
        )


if __name__ == "__main__":
    main()
