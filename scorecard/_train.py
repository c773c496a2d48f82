"""Training: optbinning WOE binning, variable selection, statsmodels logit.

The pipeline, in order: load the data named by the spec; draw a stratified
train/test split; bin every candidate feature with one
``optbinning.BinningProcess`` on the training part; select features by IV,
correlation, VIF, p-value and sign; fit the logit with ``statsmodels`` on
the WOE matrix; scale the points; measure AUC, KS and Gini on both parts;
and seal everything into a :class:`~scorecard.ScorecardArtifact`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from scorecard._artifact import (
    Bin,
    CoefficientRow,
    DataFingerprint,
    DimensionCard,
    FeatureCard,
    GradeCard,
    Rejection,
    ScalingCard,
    ScorecardArtifact,
    ScoreDistribution,
    SplitMetrics,
    finite,
)
from scorecard._errors import (
    DataError,
    MissingColumnError,
    NotFittedError,
    TrainingError,
)
from scorecard._metrics import auc, gini, ks, roc_curve
from scorecard._score import _index_matrix, _numeric_column, _Table
from scorecard._spec import FeatureSpec, ScorecardSpec, load_spec

__all__ = [
    "STAGES",
    "AgainstRiskWarning",
    "ScorecardTrainer",
    "TrainingResult",
    "prepare_features",
    "train",
]

logger = logging.getLogger(__name__)

#: Stages reported to a progress callback, in order.
STAGES = ("load", "binning", "selection", "fit", "metrics")
#: ``progress(stage, done, total)``: called as each stage starts and ends.
Progress = Callable[[str, int, int], None]


class AgainstRiskWarning(UserWarning):
    """A coefficient's sign would make a feature's points move against risk."""


@dataclass(frozen=True)
class TrainingResult:
    """The artifact plus the tables a development report needs.

    Attributes
    ----------
    artifact : ScorecardArtifact
        The sealed scorecard.
    iv_table : pandas.DataFrame
        Every candidate: dimension, IV, whether selected, why not.
    binning_tables : dict of str to pandas.DataFrame
        optbinning's binning table of every candidate feature.
    coefficient_table : pandas.DataFrame
        Coefficient, standard error, z, p-value, 95 % interval, VIF, IV.
    roc : dict
        ROC/KS curves of the train and test parts (see
        :func:`scorecard.roc_curve`).
    grade_table : pandas.DataFrame
        Count, share and bad rate per grade on the train and test parts.
    """

    artifact: ScorecardArtifact
    iv_table: pd.DataFrame
    binning_tables: dict[str, pd.DataFrame]
    coefficient_table: pd.DataFrame
    roc: dict[str, dict[str, list[float]]]
    grade_table: pd.DataFrame

    def summary(self) -> str:
        """A short markdown summary of the fitted scorecard."""
        card = self.artifact
        lines = [
            f"# Scorecard {card.name} {card.scorecard_version}",
            "",
            f"- trained on {card.data.rows} rows ({card.data.source}), event "
            f"rate {card.data.event_rate:.4f}, data sha256 {card.data.sha256[:16]}",
            f"- {len(card.features)} features selected of "
            f"{len(self.iv_table)} candidates; cutoff score {card.cutoff_score:g}",
            "",
            "| part | rows | AUC | KS | Gini |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for part, m in card.metrics.items():
            lines.append(
                f"| {part} | {m.rows} | {m.auc:.4f} | {m.ks:.4f} | {m.gini:.4f} |"
            )
        if card.oracle_auc:
            lines += ["", f"Oracle AUC (best possible): {card.oracle_auc}"]
        lines += ["", "## Coefficients", "", _markdown(self.coefficient_table)]
        lines += ["", "## Candidates", "", _markdown(self.iv_table)]
        lines += ["", "## Grades", "", _markdown(self.grade_table)]
        if card.warnings:
            lines += ["", "## Warnings", "", *(f"- {w}" for w in card.warnings)]
        return "\n".join(lines) + "\n"


def _markdown(frame: pd.DataFrame) -> str:
    columns = [str(c) for c in frame.columns]
    rows = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for values in frame.itertuples(index=False):
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in values]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


class ScorecardTrainer:
    """Fit a scorecard from a spec.

    Parameters
    ----------
    spec : ScorecardSpec or path
        The spec, or a YAML file to load it from.
    progress : callable, optional
        ``progress(stage, done, total)`` called as each of :data:`STAGES`
        starts (``done == 0``) and ends.

    Attributes
    ----------
    artifact_ : ScorecardArtifact
        The fitted, sealed scorecard.
    result_ : TrainingResult
        The artifact plus report tables.
    binning_process_ : optbinning.BinningProcess
        The fitted binning of every candidate feature.
    logit_ : statsmodels results
        The final logistic fit on the selected WOE columns.
    train_index_, test_index_ : numpy.ndarray
        Row positions of the two parts of the split.

    Examples
    --------
    >>> trainer = ScorecardTrainer(spec=default_spec_path())  # doctest: +SKIP
    >>> trainer.fit().artifact_.metrics["test"].auc  # doctest: +SKIP
    0.80
    """

    def __init__(
        self,
        *,
        spec: ScorecardSpec | str | os.PathLike[str],
        progress: Progress | None = None,
    ) -> None:
        self.spec = spec
        self.progress = progress

    def __getattr__(self, name: str) -> Any:
        if name.endswith("_") and not name.startswith("_"):
            raise NotFittedError(
                f"{type(self).__name__}.{name} is not set: the trainer is not "
                "fitted yet; call fit() first"
            )
        raise AttributeError(name)

    def fit(self, data: pd.DataFrame | None = None) -> ScorecardTrainer:
        """Train on ``data``, or on the dataset the spec names.

        Raises
        ------
        MissingColumnError
            If a feature or the target has no column.
        DataError
            If the target is not binary or has missing values.
        TrainingError
            If no feature survives the selection.
        """
        spec = (
            self.spec if isinstance(self.spec, ScorecardSpec) else load_spec(self.spec)
        )
        step = _Stepper(self.progress)
        step.start("load")
        frame, source = _load(spec, data)
        y = _target(frame, spec)
        features = _specs(spec, frame)
        train_idx, test_idx = _split(y, spec)
        # Only the training rows are converted for optbinning; every row is
        # binned from the frame itself by the scoring code, which locates
        # bins exactly as optbinning does (tested).
        x_train = prepare_features(frame, spec, rows=train_idx)
        step.end("load")

        step.start("binning")
        process = _binning_process(spec, features)
        with warnings.catch_warnings():
            # optbinning 1.0 on pandas 3 warns about its own table building.
            warnings.filterwarnings("ignore", module="optbinning")
            process.fit(x_train, y[train_idx])
        del x_train
        cards = [_draft_card(process, f, len(train_idx)) for f in features]
        tables = [_Table.from_card(c) for c in cards]
        index = _index_matrix(tables, frame)
        step.end("binning")

        step.start("selection")
        selector = _Selector(spec, cards, index[:, train_idx], y[train_idx])
        selected, fit = selector.run()
        selector.index = np.empty((0, 0), dtype=index.dtype)
        step.end("selection")

        step.start("fit")
        final = _final_cards(spec, cards, selected, fit)
        step.end("fit")

        step.start("metrics")
        artifact, extra = _assemble(
            spec,
            final,
            fit,
            selector,
            frame,
            y,
            index[selected],
            train_idx,
            test_idx,
            source,
        )
        step.end("metrics")

        self.binning_process_ = process
        self.logit_ = fit
        self.train_index_ = train_idx
        self.test_index_ = test_idx
        self.artifact_ = artifact
        self.result_ = TrainingResult(
            artifact=artifact,
            iv_table=selector.iv_table(),
            binning_tables={
                c.name: process.get_binned_variable(c.name).binning_table.build(
                    add_totals=False
                )
                for c in cards
            },
            coefficient_table=pd.DataFrame(
                [r.model_dump() for r in artifact.coefficients]
            ),
            roc=extra["roc"],
            grade_table=extra["grades"],
        )
        logger.info(
            "scorecard %s %s trained: %d features, test AUC %.4f",
            artifact.name,
            artifact.scorecard_version,
            len(artifact.features),
            artifact.metrics["test"].auc,
        )
        return self


def train(
    spec: ScorecardSpec | str | os.PathLike[str],
    data: pd.DataFrame | None = None,
    *,
    progress: Progress | None = None,
) -> TrainingResult:
    """Train a scorecard; shorthand for ``ScorecardTrainer(...).fit(data)``.

    Examples
    --------
    >>> result = train(default_spec_path())  # doctest: +SKIP
    >>> result.artifact.save("out/scorecard.json")  # doctest: +SKIP
    """
    trainer = ScorecardTrainer(spec=spec, progress=progress).fit(data)
    result: TrainingResult = trainer.result_
    return result


class _Stepper:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def start(self, stage: str) -> None:
        if self.progress is not None:
            self.progress(stage, 0, 1)

    def end(self, stage: str) -> None:
        if self.progress is not None:
            self.progress(stage, 1, 1)


# -- data -------------------------------------------------------------------


def _load(spec: ScorecardSpec, data: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    if data is not None:
        return data, "frame given in memory"
    dataset = spec.dataset
    if dataset.path is None:
        from subscribers.synth import generate

        frame = generate(dataset.synthetic_rows, seed=dataset.synthetic_seed)
        return frame, (
            f"synthetic subscribers, {dataset.synthetic_rows} rows, "
            f"seed {dataset.synthetic_seed}"
        )
    path = Path(dataset.path)
    if dataset.kind == "subscribers":
        from subscribers import read_subscribers
        from subscribers.synth import ORACLE

        frame = read_subscribers(path, allow=(dataset.target, ORACLE))
    elif path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path)
    else:
        raise DataError(
            f"dataset.path {path}: expected a .parquet or .csv file; got "
            f"{path.suffix or 'no suffix'!r}"
        )
    return frame, path.name


def _target(frame: pd.DataFrame, spec: ScorecardSpec) -> np.ndarray:
    name, event = spec.dataset.target, spec.dataset.event_value
    if name not in frame.columns:
        raise MissingColumnError(
            f"dataset.target: expected a column {name!r}; the data have "
            f"{len(frame.columns)} columns and not this one"
        )
    column = frame[name]
    if column.isna().any():
        raise DataError(
            f"target {name!r}: expected no missing values; got "
            f"{int(column.isna().sum())}"
        )
    values = set(column.unique().tolist())
    if len(values) != 2 or event not in values:
        raise DataError(
            f"target {name!r}: expected two values including the event value "
            f"{event!r}; got {sorted(map(str, values))[:5]}"
        )
    return (column == event).to_numpy(dtype=np.int64)


def _specs(spec: ScorecardSpec, frame: pd.DataFrame) -> list[FeatureSpec]:
    """Feature specs with the dtype filled in from the data where unset."""
    _check_columns(spec, frame)
    return [
        f.model_copy(update={"dtype": _dtype(f, frame[f.name])}) for f in spec.features
    ]


def _dtype(feature: FeatureSpec, column: pd.Series) -> str:
    if feature.dtype is not None:
        return feature.dtype
    numeric = pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(
        column
    )
    return "numerical" if numeric else "categorical"


def _check_columns(spec: ScorecardSpec, frame: pd.DataFrame) -> None:
    absent = [f.name for f in spec.features if f.name not in frame.columns]
    if absent:
        raise MissingColumnError(
            f"features: the data lack the column(s) {absent}; got "
            f"{len(frame.columns)} columns"
        )


def prepare_features(
    frame: pd.DataFrame, spec: ScorecardSpec, *, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """The spec's feature columns as optbinning reads them.

    Numeric columns (including booleans and nullable integers) become
    float64 with NaN for missing; categorical columns become objects (text)
    with NaN for missing.

    ``rows`` selects row positions (the training part) without copying the
    other columns of ``frame``.

    Raises
    ------
    MissingColumnError
        If a feature has no column.
    """
    _check_columns(spec, frame)
    columns: dict[str, Any] = {}
    for feature in spec.features:
        column = frame[feature.name]
        if rows is not None:
            column = column.iloc[rows]
        if _dtype(feature, column) == "categorical":
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
            text = np.asarray([*(_text(u) for u in uniques), np.nan], dtype=object)
            # An explicit object Series: pandas 3 would otherwise convert the
            # text to its string dtype, a copy optbinning does not need.
            columns[feature.name] = pd.Series(text[codes], dtype=object, copy=False)
        else:
            columns[feature.name] = _numeric_column(feature.name, column)
    rows_out = pd.RangeIndex(len(next(iter(columns.values()))))
    for values in columns.values():
        if isinstance(values, pd.Series):
            values.index = rows_out
    return pd.DataFrame(columns, index=rows_out, copy=False)  # no consolidation copy


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _split(y: np.ndarray, spec: ScorecardSpec) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    train_idx, test_idx = train_test_split(
        rows,
        test_size=spec.split.test_size,
        stratify=y,
        random_state=spec.split.seed,
    )
    return np.sort(train_idx), np.sort(test_idx)


def fingerprint(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    """sha256 of the values of ``columns``, row by row, independent of index."""
    digest = hashlib.sha256("\x1f".join(columns).encode())
    for name in columns:  # one column at a time: no copy of the whole table
        hashed = pd.util.hash_pandas_object(frame[name], index=False)
        digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


# -- binning ----------------------------------------------------------------


def _binning_process(spec: ScorecardSpec, features: list[FeatureSpec]) -> Any:
    from optbinning import BinningProcess

    defaults = spec.binning
    params: dict[str, dict[str, Any]] = {}
    for feature in features:
        size = feature.min_bin_size or defaults.min_bin_size
        entry: dict[str, Any] = {
            "monotonic_trend": (
                None if feature.monotonic_trend == "none" else feature.monotonic_trend
            ),
            "min_bin_size": size,
            "min_prebin_size": min(size, 0.05),
            "max_n_bins": feature.max_n_bins or defaults.max_n_bins,
        }
        if feature.special_codes:
            entry["special_codes"] = list(feature.special_codes)
        if feature.splits:
            entry["user_splits"] = [
                list(s) if isinstance(s, tuple) else s for s in feature.splits
            ]
            entry["user_splits_fixed"] = [True] * len(feature.splits)
        params[feature.name] = entry
    return BinningProcess(
        variable_names=[f.name for f in features],
        categorical_variables=[f.name for f in features if f.dtype == "categorical"],
        max_n_prebins=defaults.max_n_prebins,
        min_bin_size=defaults.min_bin_size,
        max_n_bins=defaults.max_n_bins,
        binning_fit_params=params,
    )


def _draft_card(process: Any, feature: FeatureSpec, rows: int) -> FeatureCard:
    """A feature's bins from optbinning, before it has points."""
    optb = process.get_binned_variable(feature.name)
    table = optb.binning_table.build(add_totals=False)
    categorical = feature.dtype == "categorical"
    splits = [] if categorical else [float(s) for s in optb.splits]
    n_regular = len(table) - 2
    bins = []
    for i, row in enumerate(table.itertuples(index=False)):
        count, events = int(row[1]), int(row[4])
        kind: Literal["range", "categories", "special", "missing"] = (
            "categories" if categorical else "range"
        )
        if i == n_regular:
            kind = "special"
        elif i == n_regular + 1:
            kind = "missing"
        bins.append(
            Bin(
                index=i,
                label=_label(row[0]),
                kind=kind,
                low=splits[i - 1] if kind == "range" and i > 0 else None,
                high=splits[i] if kind == "range" and i < len(splits) else None,
                categories=(
                    tuple(str(c) for c in row[0]) if kind == "categories" else ()
                ),
                count=count,
                share=count / rows,
                event_count=events,
                event_rate=finite(float(row[5])),
                woe=finite(float(row[6])),
                iv=finite(float(row[7])),
                points=0.0,
            )
        )
    return FeatureCard(
        name=feature.name,
        dimension=feature.dimension or "general",
        dtype="categorical" if categorical else "numerical",
        coefficient=0.0,
        iv=finite(float(table["IV"].sum())),
        special_codes=feature.special_codes,
        bins=tuple(bins),
        slope=0.0,
        constant=0.0,
    )


def _label(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "[" + ", ".join(str(v) for v in value) + "]"


# -- selection --------------------------------------------------------------


class _Selector:
    """Variable selection by IV, correlation, VIF, p-value and sign."""

    def __init__(
        self,
        spec: ScorecardSpec,
        cards: list[FeatureCard],
        index: np.ndarray,
        y: np.ndarray,
    ) -> None:
        self.spec = spec
        self.cards = cards
        # WOE columns are looked up from the bin indices when needed, so the
        # selection never holds a float copy of the whole training matrix.
        self.index = index
        self.woe = [np.asarray([b.woe for b in c.bins]) for c in cards]
        self.y = y
        self.rejected: list[Rejection] = []
        self.warnings: list[str] = []
        self.vif: dict[str, float] = {}
        self.corr = np.eye(len(cards))

    def column(self, j: int) -> np.ndarray:
        """The WOE of feature ``j`` on every training row."""
        return np.asarray(self.woe[j][self.index[j]])

    def reject(self, j: int, reason: str, detail: str) -> None:
        card = self.cards[j]
        logger.info("feature %s dropped (%s): %s", card.name, reason, detail)
        self.rejected.append(
            Rejection(name=card.name, reason=reason, detail=detail, iv=card.iv)  # type: ignore[arg-type]
        )

    def run(self) -> tuple[list[int], Any]:
        rules = self.spec.selection
        alive = []
        for j, card in enumerate(self.cards):
            used = np.bincount(self.index[j], minlength=len(self.woe[j])) > 0
            if np.ptp(self.woe[j][used]) == 0:
                self.reject(j, "constant", "all training rows have the same WOE")
            elif card.iv < rules.min_iv:
                self.reject(j, "low_iv", f"IV {card.iv:.4f} < {rules.min_iv:g}")
            else:
                alive.append(j)
        self.corr = self._correlation(alive)
        alive = self._decorrelate(sorted(alive, key=lambda j: -self.cards[j].iv))
        alive = self._vif_filter(alive)
        return self._fit_loop(alive)

    def _correlation(self, alive: list[int], chunk: int = 65_536) -> np.ndarray:
        """Pearson correlation of the WOE columns, accumulated in row chunks."""
        k, n = len(self.cards), self.index.shape[1]
        gram = np.zeros((k, k))
        total = np.zeros(k)
        for lo in range(0, n, chunk):
            block = np.zeros((k, min(chunk, n - lo)))
            for j in alive:
                block[j] = self.woe[j][self.index[j, lo : lo + chunk]]
            gram += block @ block.T
            total += block.sum(axis=1)
        mean = total / n
        cov = gram / n - np.outer(mean, mean)
        scale = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
        corr = cov / np.outer(scale, scale)
        np.fill_diagonal(corr, 1.0)
        return np.asarray(corr)

    def _decorrelate(self, order: list[int]) -> list[int]:
        limit = self.spec.selection.max_correlation
        kept: list[int] = []
        for j in order:
            worst = max(((abs(self.corr[j, k]), k) for k in kept), default=(0.0, -1))
            if worst[0] > limit:
                other = self.cards[worst[1]].name
                self.reject(
                    j,
                    "correlated",
                    f"|corr| {worst[0]:.3f} > {limit:g} with {other!r} (higher IV)",
                )
            else:
                kept.append(j)
        return sorted(kept)

    def _vifs(self, alive: list[int]) -> np.ndarray:
        """VIF of each term: the diagonal of the inverse correlation matrix."""
        if len(alive) < 2:
            return np.ones(len(alive))
        return np.asarray(np.diag(np.linalg.pinv(self.corr[np.ix_(alive, alive)])))

    def _vif_filter(self, alive: list[int]) -> list[int]:
        limit = self.spec.selection.max_vif
        while True:
            vifs = self._vifs(alive)
            worst = int(np.argmax(vifs)) if len(alive) else 0
            if not len(alive) or vifs[worst] <= limit:
                return alive
            self.reject(alive[worst], "vif", f"VIF {vifs[worst]:.2f} > {limit:g}")
            alive = alive[:worst] + alive[worst + 1 :]

    def _grouped(self, alive: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Design, events and trials over the distinct bin patterns of ``alive``.

        Rows with the same bins in every ``alive`` feature have the same WOE
        row, so they enter the likelihood once, as a binomial count: several
        times fewer rows (about 180k patterns for 700k rows and 20 features)
        and no float copy of the whole training matrix.
        """
        groups, first = _bin_patterns(self.index[alive])
        trials = np.bincount(groups).astype(np.float64)
        events = np.bincount(groups, weights=self.y.astype(np.float64))
        design = np.empty((len(first), len(alive) + 1))
        design[:, 0] = 1.0
        for a, j in enumerate(alive):
            design[:, a + 1] = self.woe[j][self.index[j, first]]
        return design, events, trials

    def _fit_loop(self, alive: list[int]) -> tuple[list[int], Any]:
        """Drop one term at a time until every term passes, then fit.

        The elimination steps use a Newton fit of the same likelihood
        (:func:`_newton`); the final model, and every statistic reported, is
        statsmodels' ``GLM(Binomial())`` (canonical logit link) on the grouped
        rows, which equals ``Logit`` on the raw rows (tested). Should
        statsmodels disagree about a term, elimination continues.
        """
        start: np.ndarray | None = None
        while alive:
            design, events, trials = self._grouped(alive)
            quick = _newton(design, events, trials, start)
            drop = self._to_drop(alive, quick)
            if drop is None:
                fit = _statsmodels_fit(design, events, trials, quick.params)
                drop = self._to_drop(alive, fit)
                if drop is None:
                    self._warn_against_risk(alive, fit)
                    self.vif = dict(
                        zip(
                            (self.cards[j].name for j in alive),
                            self._vifs(alive),
                            strict=True,
                        )
                    )
                    return alive, fit
            start = np.delete(quick.params, drop + 1)
            alive = alive[:drop] + alive[drop + 1 :]
        raise TrainingError(
            f"spec {self.spec.name!r}: no feature survived the selection; "
            f"rejected {[(r.name, r.reason) for r in self.rejected]}"
        )

    def _warn_against_risk(self, alive: list[int], fit: Any, only: int = -1) -> None:
        for a, c in enumerate(fit.params[1:]):
            if c > 0 and only in (-1, a):
                name = self.cards[alive[a]].name
                message = (
                    f"feature {name!r}: coefficient {c:+.4f} on WOE makes "
                    "points move against risk (riskier bins would gain points)"
                )
                warnings.warn(message, AgainstRiskWarning, stacklevel=5)
                self.warnings.append(message)

    def _to_drop(self, alive: list[int], fit: Any) -> int | None:
        """Position in ``alive`` of the term to drop next, if any."""
        rules = self.spec.selection
        coef, pvalues = fit.params[1:], fit.pvalues[1:]
        wrong = [a for a, c in enumerate(coef) if c > 0]
        if wrong and rules.drop_against_risk:
            a = max(wrong, key=lambda k: fit.tvalues[k + 1])
            self._warn_against_risk(alive, fit, only=a)
            self.reject(alive[a], "against_risk", f"coefficient {coef[a]:+.4f}")
            return a
        worst = int(np.argmax(pvalues))
        if pvalues[worst] > rules.max_p_value:
            self.reject(
                alive[worst],
                "p_value",
                f"p-value {pvalues[worst]:.3g} > {rules.max_p_value:g}",
            )
            return worst
        return None

    def iv_table(self) -> pd.DataFrame:
        why = {r.name: r for r in self.rejected}
        return pd.DataFrame(
            {
                "feature": [c.name for c in self.cards],
                "dimension": [c.dimension for c in self.cards],
                "iv": [c.iv for c in self.cards],
                "selected": [c.name not in why for c in self.cards],
                "reason": [
                    why[c.name].reason if c.name in why else "" for c in self.cards
                ],
                "detail": [
                    why[c.name].detail if c.name in why else "" for c in self.cards
                ],
            }
        ).sort_values("iv", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class _QuickFit:
    params: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray


def _newton(
    design: np.ndarray,
    events: np.ndarray,
    trials: np.ndarray,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_steps: int = 100,
) -> _QuickFit:
    """Maximum-likelihood logistic fit on binomial counts by Newton's method."""
    from scipy.special import expit
    from scipy.stats import norm

    if start is None:
        rate = min(max(events.sum() / trials.sum(), 1e-6), 1 - 1e-6)
        start = np.r_[np.log(rate / (1 - rate)), np.full(design.shape[1] - 1, -0.5)]
    beta = np.asarray(start, dtype=np.float64).copy()
    hessian = np.eye(len(beta))
    for _ in range(max_steps):
        mean = trials * expit(design @ beta)
        weight = mean * (1.0 - mean / trials)
        gradient = design.T @ (events - mean)
        hessian = (design * weight[:, None]).T @ design
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    errors = np.sqrt(np.diag(np.linalg.inv(hessian)))
    z = beta / errors
    return _QuickFit(params=beta, tvalues=z, pvalues=2 * norm.sf(np.abs(z)))


def _statsmodels_fit(
    design: np.ndarray, events: np.ndarray, trials: np.ndarray, start: np.ndarray
) -> Any:
    """statsmodels' binomial GLM with the logit link, started at ``start``."""
    import statsmodels.api as sm

    model = sm.GLM(
        np.column_stack([events, trials - events]),
        design,
        family=sm.families.Binomial(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(start_params=start, method="newton", maxiter=100)


def _bin_patterns(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group the columns (subjects) of a bin-index matrix by their pattern.

    Returns each subject's group number and the first subject of each group.
    Patterns are numbered in mixed radix (one digit per feature) when that
    fits in 63 bits, else grouped by pandas.
    """
    widths = [int(row.max()) + 1 if row.size else 1 for row in index]
    key: np.ndarray
    if sum(np.log2(max(w, 2)) for w in widths) < 63:
        key = np.zeros(index.shape[1], dtype=np.int64)
        for row, width in zip(index, widths, strict=True):
            key *= width
            key += row
    else:
        frame = pd.DataFrame(index.T, copy=False)
        key = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    _, first, groups = np.unique(key, return_index=True, return_inverse=True)
    return np.asarray(groups, dtype=np.int64), np.asarray(first, dtype=np.int64)


# -- points and assembly --------------------------------------------------


def _scaling(spec: ScorecardSpec, intercept: float, n: int) -> ScalingCard:
    s = spec.scaling
    factor = s.pdo / np.log(2)
    offset = s.base_score - factor * np.log(s.base_odds)
    return ScalingCard(
        pdo=s.pdo,
        base_score=s.base_score,
        base_odds=s.base_odds,
        score_min=s.score_min,
        score_max=s.score_max,
        factor=float(factor),
        offset=float(offset),
        intercept=float(intercept),
        n_features=n,
    )


def _final_cards(
    spec: ScorecardSpec, cards: list[FeatureCard], selected: list[int], fit: Any
) -> list[FeatureCard]:
    """Selected cards with points, in optbinning's arithmetic order."""
    n = len(selected)
    scaling = _scaling(spec, float(fit.params[0]), n)
    factor, offset, b = scaling.factor, scaling.offset, scaling.intercept
    out = []
    for a, j in enumerate(selected):
        c = float(fit.params[a + 1])
        bins = tuple(
            bin_.model_copy(
                update={"points": float(-(bin_.woe * c + b / n) * factor + offset / n)}
            )
            for bin_ in cards[j].bins
        )
        out.append(
            cards[j].model_copy(
                update={
                    "coefficient": c,
                    "bins": bins,
                    "slope": -c * factor,
                    "constant": (offset - b * factor) / n,
                }
            )
        )
    return out


def _assemble(
    spec: ScorecardSpec,
    cards: list[FeatureCard],
    fit: Any,
    selector: _Selector,
    frame: pd.DataFrame,
    y: np.ndarray,
    index: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    source: str,
) -> tuple[ScorecardArtifact, dict[str, Any]]:
    scaling = _scaling(spec, float(fit.params[0]), len(cards))
    raw = _raw_scores(cards, index)
    score = np.clip(raw, scaling.score_min, scaling.score_max)
    metrics, roc = {}, {}
    for part, rows in (("train", train_idx), ("test", test_idx)):
        metrics[part] = SplitMetrics(
            rows=len(rows),
            event_rate=float(y[rows].mean()),
            auc=auc(y[rows], raw[rows]),
            ks=ks(y[rows], raw[rows]),
            gini=gini(y[rows], raw[rows]),
        )
        roc[part] = roc_curve(y[rows], raw[rows])
    oracle: dict[str, float] = {}
    if "oracle_logodds" in frame.columns:
        logodds = frame["oracle_logodds"].to_numpy(dtype=np.float64)
        oracle = {
            p: auc(y[r], -logodds[r])
            for p, r in (("train", train_idx), ("test", test_idx))
        }
    grade_of = _grader(spec)
    grades_train = grade_of(score[train_idx])
    grade_cards = tuple(
        GradeCard(
            grade=g.grade,
            min_score=g.min_score,
            zh=g.zh,
            en=g.en,
            count=int((grades_train == g.grade).sum()),
            share=float((grades_train == g.grade).mean()),
            bad_rate=_rate(y[train_idx][grades_train == g.grade]),
        )
        for g in spec.grades
    )
    edges = np.unique(np.quantile(score[train_idx], np.linspace(0.1, 0.9, 9)))
    shares = np.bincount(
        np.searchsorted(edges, score[train_idx], side="right"),
        minlength=len(edges) + 1,
    ) / len(train_idx)
    columns = [*(c.name for c in cards), spec.dataset.target]
    artifact = ScorecardArtifact(
        name=spec.name,
        scorecard_version=spec.version,
        trained_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        data=DataFingerprint(
            rows=len(frame),
            columns=tuple(columns),
            sha256=fingerprint(frame, columns),
            target=spec.dataset.target,
            event_rate=float(y.mean()),
            source=source,
        ),
        spec=spec.model_dump(mode="json", by_alias=True),
        scaling=scaling,
        cutoff_score=spec.cutoff_score,
        cutoff_grade=spec.cutoff.grade,
        grades=grade_cards,
        dimensions=_dimensions(spec, cards),
        metrics=metrics,
        oracle_auc=oracle,
        coefficients=_coefficients(fit, cards, selector),
        features=tuple(cards),
        rejected=tuple(selector.rejected),
        score_distribution=ScoreDistribution(
            edges=tuple(float(e) for e in edges),
            shares=tuple(float(s) for s in shares),
        ),
        warnings=tuple(selector.warnings),
    ).sealed()
    grades_test = grade_of(score[test_idx])
    grade_table = pd.DataFrame(
        [
            {
                "grade": g.grade,
                "zh": g.zh,
                "en": g.en,
                "min_score": g.min_score,
                "train_count": int((grades_train == g.grade).sum()),
                "train_bad_rate": _rate(y[train_idx][grades_train == g.grade]),
                "test_count": int((grades_test == g.grade).sum()),
                "test_bad_rate": _rate(y[test_idx][grades_test == g.grade]),
            }
            for g in spec.grades
        ]
    )
    return artifact, {"roc": roc, "grades": grade_table}


def _raw_scores(cards: list[FeatureCard], index: np.ndarray) -> np.ndarray:
    """Sum of points in feature order, the same arithmetic as scoring."""
    raw = np.zeros(index.shape[1])
    for j, card in enumerate(cards):
        raw += np.asarray([b.points for b in card.bins])[index[j]]
    return raw


def _grader(spec: ScorecardSpec) -> Callable[[np.ndarray], Any]:
    bands = sorted(spec.grades, key=lambda g: g.min_score)
    mins = np.asarray([g.min_score for g in bands])
    names = [g.grade for g in bands]

    def grade_of(score: np.ndarray) -> Any:
        rank = np.searchsorted(mins, score, side="right") - 1
        codes = np.maximum(rank, 0).astype(np.int64)
        return pd.Categorical.from_codes(codes, categories=pd.Index(names))

    return grade_of


def _rate(y: np.ndarray) -> float | None:
    return float(y.mean()) if len(y) else None


def _dimensions(
    spec: ScorecardSpec, cards: list[FeatureCard]
) -> tuple[DimensionCard, ...]:
    names = list(dict.fromkeys(c.dimension for c in cards))
    out = []
    for name in names:
        members = [c for c in cards if c.dimension == name]
        zh, en = _dimension_names(spec, name)
        out.append(
            DimensionCard(
                name=name,
                zh=zh,
                en=en,
                features=tuple(c.name for c in members),
                points_min=sum(c.points_min for c in members),
                points_max=sum(c.points_max for c in members),
            )
        )
    return tuple(out)


def _dimension_names(spec: ScorecardSpec, name: str) -> tuple[str, str]:
    given = spec.dimension_names.get(name)
    if given:
        return given.get("zh", name), given.get("en", name)
    if spec.dataset.kind == "subscribers":
        from subscribers import Dimension

        return Dimension(name).zh, name
    return name, name


def _coefficients(
    fit: Any, cards: list[FeatureCard], selector: _Selector
) -> tuple[CoefficientRow, ...]:
    ci = np.asarray(fit.conf_int())
    names = ["const", *(c.name for c in cards)]
    ivs = [None, *(c.iv for c in cards)]
    return tuple(
        CoefficientRow(
            name=name,
            coefficient=finite(float(fit.params[i])),
            std_error=finite(float(fit.bse[i])),
            z=finite(float(fit.tvalues[i])),
            p_value=finite(float(fit.pvalues[i])),
            ci_low=finite(float(ci[i, 0])),
            ci_high=finite(float(ci[i, 1])),
            vif=selector.vif.get(name),
            iv=ivs[i],
        )
        for i, name in enumerate(names)
    )
