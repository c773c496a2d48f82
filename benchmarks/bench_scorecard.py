"""Scorecard benchmarks, each figure a ratio to optbinning measured in the same run.

Run on demand (not under pytest), from the repository root::

    .venv/bin/python benchmarks/bench_scorecard.py --rows 1000000

What it measures, on synthetic subscribers (all 22 candidate features of the
shipped spec; 20 survive selection):

1. Training on ``--rows`` rows: ``ScorecardTrainer.fit`` (split, optbinning
   BinningProcess, selection, statsmodels logit, metrics, artifact) against
   optbinning's own ``BinningProcess.fit_transform`` + scikit-learn
   ``LogisticRegression.fit`` on the same training rows with the same binning
   options. Each runs in a fresh subprocess that reads the same Parquet file;
   peak memory is that process's ``VmHWM`` (imports and data included).
2. Batch scoring of ``--rows`` new subjects with points per feature:
   ``score_frame`` against ``optbinning.scorecard.Scorecard.score`` on the
   same fitted model (our bins and coefficients).
3. One subject: ``ScorecardArtifact.score_one`` on a dict against
   ``Scorecard.score`` on a one-row DataFrame (medians).
4. Test AUC against the oracle's AUC, and whether points move with risk for
   every feature.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scorecard import (  # noqa: E402
    ScorecardArtifact,
    ScorecardSpec,
    ScorecardTrainer,
    default_spec_path,
    load_artifact,
    load_spec,
    prepare_features,
    score_frame,
)
from subscribers.synth import ORACLE, TARGET, generate  # noqa: E402

SEED = 20261130
SCORE_SEED = 99


def _peak_mib() -> float:
    """Peak resident memory of this process in MiB.

    ``VmHWM`` belongs to the process image, so a child started by exec does
    not inherit its parent's peak (``ru_maxrss`` would, on Linux).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _spec(rows: int) -> ScorecardSpec:
    spec = load_spec(default_spec_path())
    dataset = spec.dataset.model_copy(update={"synthetic_rows": rows})
    return spec.model_copy(update={"dataset": dataset})


def _split(spec: ScorecardSpec, y: np.ndarray) -> np.ndarray:
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    train, _ = train_test_split(
        rows, test_size=spec.split.test_size, stratify=y, random_state=spec.split.seed
    )
    return np.sort(train)


def _binning_process(spec: ScorecardSpec, names: list[str] | None = None) -> Any:
    """optbinning's BinningProcess with the spec's options (what training uses)."""
    from scorecard._train import _binning_process

    features = [f for f in spec.features if names is None or f.name in names]
    return _binning_process(spec, features)


# -- children: one training each, in a fresh process -------------------------


#: Rows of the warm-up fit each child runs first, so that imports, numba's
#: cached kernels and solver start-up are not counted as training time.
WARM_UP_ROWS = 5_000


def child_train_ours(data: Path, out: Path, rows: int) -> dict[str, float]:
    frame = pd.read_parquet(data)
    ScorecardTrainer(spec=_spec(rows)).fit(frame.head(WARM_UP_ROWS))
    started = time.perf_counter()
    trainer = ScorecardTrainer(spec=_spec(rows)).fit(frame)
    seconds = time.perf_counter() - started
    trainer.artifact_.save(out)
    return {"seconds": seconds, "peak_mib": _peak_mib()}


def child_train_optbinning(data: Path, rows: int) -> dict[str, float]:
    spec = _spec(rows)
    frame = pd.read_parquet(data)
    _anchor_fit(spec, frame.head(WARM_UP_ROWS))
    started = time.perf_counter()
    _anchor_fit(spec, frame)
    return {"seconds": time.perf_counter() - started, "peak_mib": _peak_mib()}


def _anchor_fit(spec: ScorecardSpec, frame: pd.DataFrame) -> None:
    from sklearn.linear_model import LogisticRegression

    y = frame[TARGET].to_numpy()
    train = _split(spec, y)
    x = prepare_features(frame, spec, rows=train)
    woe = _binning_process(spec).fit_transform(
        x,
        y[train],
        metric="woe",
        metric_special="empirical",
        metric_missing="empirical",
    )
    LogisticRegression(max_iter=1000).fit(woe, y[train])


def _run_child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- optbinning's Scorecard on our model ---------------------------------------


def _optbinning_scorecard(
    card: ScorecardArtifact, spec: ScorecardSpec, frame: pd.DataFrame
) -> Any:
    from optbinning import Scorecard
    from sklearn.base import BaseEstimator, ClassifierMixin

    class FixedLogit(ClassifierMixin, BaseEstimator):
        def __init__(self, coef: tuple[float, ...] = (), intercept: float = 0.0):
            self.coef = coef
            self.intercept = intercept

        def fit(self, x: Any, y: Any) -> FixedLogit:
            self.coef_ = np.asarray([self.coef])
            self.intercept_ = np.asarray([self.intercept])
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, x: Any) -> np.ndarray:
            return np.zeros(len(x))

    names = list(card.feature_names)
    scorecard = Scorecard(
        binning_process=_binning_process(spec, names),
        estimator=FixedLogit(
            coef=tuple(f.coefficient for f in card.features), intercept=card.intercept
        ),
        scaling_method="pdo_odds",
        scaling_method_params={
            "pdo": card.scaling.pdo,
            "odds": card.scaling.base_odds,
            "scorecard_points": card.scaling.base_score,
        },
    )
    y = frame[TARGET].to_numpy()
    train = _split(spec, y)
    x = prepare_features(frame, spec, rows=train)[names]
    return scorecard.fit(
        x, y[train], metric_special="empirical", metric_missing="empirical"
    )


def _best(runs: int, work: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def _median_seconds(runs: int, work: Any) -> float:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        work(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _monotone(card: ScorecardArtifact) -> bool:
    for feature in card.features:
        filled = sorted(
            (b for b in feature.bins if 0 < b.event_count < b.count),
            key=lambda b: b.event_rate,
        )
        points = [b.points for b in filled]
        if points != sorted(points, reverse=True):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--train-runs", type=int, default=3)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "train-ours":
            print(
                json.dumps(child_train_ours(Path(rest[0]), Path(rest[1]), int(rest[2])))
            )
        else:
            print(json.dumps(child_train_optbinning(Path(rest[0]), int(rest[1]))))
        return
    run(args.rows, args.train_runs)


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_mib": max(r["peak_mib"] for r in runs),
        "runs": len(runs),
    }


def run(rows: int, train_runs: int) -> None:
    spec = _spec(rows)
    columns = [f.name for f in spec.features] + [TARGET, ORACLE]
    with tempfile.TemporaryDirectory() as tmp:
        data, artifact_path = Path(tmp) / "train.parquet", Path(tmp) / "card.json"
        training = generate(rows, seed=SEED)[columns]
        training.to_parquet(data)
        print(f"training data: {rows:,} rows x {len(spec.features)} candidate features")
        # Alternate the two so that a busy spell on the shared machine does
        # not fall on one side only; report the medians.
        anchors, ours_runs = [], []
        for _ in range(train_runs):
            anchors.append(_run_child("train-optbinning", str(data), str(rows)))
            ours_runs.append(
                _run_child("train-ours", str(data), str(artifact_path), str(rows))
            )
        anchor = _median_run(anchors)
        ours = _median_run(ours_runs)
        card = load_artifact(artifact_path)

    reference = _optbinning_scorecard(card, spec, training)
    del training
    batch = generate(rows, seed=SCORE_SEED)
    prepared = prepare_features(batch, spec)[list(card.feature_names)]
    score_frame(card, batch.head(1000))  # load the compiled kernels once
    expected = reference.score(prepared)
    difference = float(np.max(np.abs(score_frame(card, batch).raw_score - expected)))
    t_optb = _best(2, lambda: reference.score(prepared))
    t_ours = _best(3, lambda: score_frame(card, batch))
    t_ours_prepared = _best(3, lambda: score_frame(card, prepared))

    sample = prepared.head(2000)
    one_rows = [sample.iloc[[i]] for i in range(200)]
    records = sample.astype(object).where(sample.notna(), None).to_dict("records")
    t_one_optb = _median_seconds(200, lambda i: reference.score(one_rows[i]))
    t_one_ours = _median_seconds(
        20_000, lambda i: card.score_one(records[i % len(records)])
    )

    test = card.metrics["test"]
    lines = [
        f"| work ({rows:,} rows) | credcert | optbinning anchor | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| training time, median of {train_runs} | {ours['seconds']:.1f} s | "
        f"{anchor['seconds']:.1f} s | {anchor['seconds'] / ours['seconds']:.2f}x "
        "as fast |",
        f"| training peak memory, largest of {train_runs} | "
        f"{ours['peak_mib']:.0f} MiB | "
        f"{anchor['peak_mib']:.0f} MiB | limit 1024 MiB |",
        f"| batch scoring, points per feature | {rows / t_ours / 1e6:.2f} M/s | "
        f"{rows / t_optb / 1e6:.2f} M/s | {t_optb / t_ours:.1f}x |",
        f"| batch scoring, optbinning's input frame | "
        f"{rows / t_ours_prepared / 1e6:.2f} M/s | {rows / t_optb / 1e6:.2f} M/s "
        f"| {t_optb / t_ours_prepared:.1f}x |",
        f"| one subject (median) | {t_one_ours * 1e6:.1f} us (dict) | "
        f"{t_one_optb * 1e3:.2f} ms (1-row DataFrame) | "
        f"{t_one_optb / t_one_ours:.0f}x |",
        "",
        f"- largest difference from `Scorecard.score` over {rows:,} rows: "
        f"{difference:.3g} points",
        f"- test AUC {test.auc:.4f}, oracle test AUC {card.oracle_auc['test']:.4f}, "
        f"gap {card.oracle_auc['test'] - test.auc:.4f} (limit 0.01)",
        f"- {len(card.features)} features scored; points move with risk for every "
        f"feature: {_monotone(card)}",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
