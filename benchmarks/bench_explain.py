"""Benchmark: reason codes for a million subjects; rendering one explanation.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_explain.py [--rows 1000000] [--runs 5]
        [--artifact out/scorecard.json]

Without ``--artifact`` the default spec is trained on 40,000 synthetic
subscribers first. Figures printed:

- reason codes from the scorecard's bin-index matrix (the points table path:
  lookup, subtract the reference, top four, codes), subjects/s, median;
- suggestions from the same matrix (top three by points), subjects/s;
- the same end to end from a DataFrame (binning included), subjects/s;
- explaining one subject (plain lookups, no DataFrame), median;
- rendering one explanation in Chinese and English, median;
- the SHAP check of 10,000 subjects against the full training background.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import pandas as pd

from explain import Explainer, check_with_shap, population_reference
from scorecard import (
    ScorecardArtifact,
    ScorecardTrainer,
    bin_indices,
    default_spec_path,
    load_artifact,
    load_spec,
)
from subscribers.synth import generate


def _artifact(path: Path | None) -> tuple[ScorecardArtifact, pd.DataFrame | None]:
    """The artifact, and its training rows when trained here."""
    if path is not None:
        return load_artifact(path), None
    frame = generate(40_000, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = ScorecardTrainer(spec=load_spec(default_spec_path())).fit(frame)
    return trainer.artifact_, frame.iloc[trainer.train_index_]


def _median(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--artifact", type=Path, default=None)
    args = parser.parse_args()

    card, training = _artifact(args.artifact)
    explainer = Explainer(card, population_reference(card))
    print(
        f"scorecard {card.name}@{card.scorecard_version}: {len(card.features)} features"
    )

    frame = generate(args.rows, seed=2)
    bins = bin_indices(card, frame).to_numpy()
    explainer.reason_codes_from_bins(bins[:1000])  # warm up
    seconds = _median(lambda: explainer.reason_codes_from_bins(bins), args.runs)
    print(
        f"reason codes from bins, {args.rows:,} subjects: {seconds:.3f} s median "
        f"of {args.runs} = {args.rows / seconds / 1e6:.2f}M subjects/s"
    )
    seconds = _median(lambda: explainer.suggestions_from_bins(bins), args.runs)
    print(
        f"suggestions from bins, {args.rows:,} subjects: {seconds:.3f} s median "
        f"= {args.rows / seconds / 1e6:.2f}M subjects/s"
    )
    seconds = _median(lambda: explainer.reason_codes(frame), max(1, args.runs // 2))
    print(
        f"reason codes from the DataFrame (binning included): {seconds:.3f} s "
        f"= {args.rows / seconds / 1e6:.2f}M subjects/s"
    )

    subjects = frame.head(1000).to_dict(orient="records")
    subjects = [{k: (None if v != v else v) for k, v in s.items()} for s in subjects]
    for s in subjects[:50]:
        explainer.explain(s)
    one = [_median(lambda s=s: explainer.explain(s, languages=()), 1) for s in subjects]
    median = statistics.median(one) * 1e6
    print(f"explain one subject (no rendering): {median:.0f} us median")
    explained = [explainer.explain(s, languages=()) for s in subjects]
    renderer = explainer.renderer
    both = []
    for e in explained:
        started = time.perf_counter()
        renderer.render(e, "zh")
        renderer.render(e, "en")
        both.append(time.perf_counter() - started)
    print(
        f"render one explanation, zh + en: {statistics.median(both) * 1e6:.0f} us "
        f"median, {sorted(both)[int(len(both) * 0.99)] * 1e6:.0f} us p99 "
        f"(over {len(both)} subjects)"
    )
    cold = []
    for e in explained[:300]:
        renderer._memo.clear()  # every phrase and sentence made afresh
        started = time.perf_counter()
        renderer.render(e, "zh")
        renderer.render(e, "en")
        cold.append(time.perf_counter() - started)
    print(
        "render one explanation, zh + en, nothing memoised: "
        f"{statistics.median(cold) * 1e6:.0f} us median"
    )

    if training is not None:
        started = time.perf_counter()
        worst = check_with_shap(card, frame.head(10_000), explainer.reference, training)
        print(
            f"SHAP check of 10,000 subjects on the full {len(training):,}-row "
            f"background: worst gap {worst:.1e} points, "
            f"{time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
