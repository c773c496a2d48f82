"""Scoring from an artifact: vectorised over a table, plain Python for one.

Both paths locate each value's bin exactly as optbinning does (numeric bins
are ``[low, high)``; special codes and missing values have bins of their
own; a category unseen in training scores as missing) and sum the bin points
in feature order, so totals equal optbinning's ``Scorecard.score`` bit for
bit on the same model. The batch path bins numeric columns with a parallel
numba kernel; the one-subject path never builds a DataFrame.
"""

from __future__ import annotations

import bisect
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numba
import numpy as np
import pandas as pd

from scorecard._errors import DataError, MissingColumnError

if TYPE_CHECKING:
    from scorecard._artifact import FeatureCard, ScorecardArtifact

__all__ = [
    "BatchScores",
    "SubjectScore",
    "bin_indices",
    "compile_artifact",
    "score_frame",
    "score_subject",
    "woe_frame",
    "woe_subject",
]


@dataclass(frozen=True, slots=True)
class _Table:
    """One feature's bins as arrays (batch) and lists (one subject)."""

    name: str
    dimension: str
    categorical: bool
    splits: np.ndarray
    specials: np.ndarray
    special_set: frozenset[Any]
    categories: tuple[str, ...]
    category_bin: np.ndarray
    category_index: dict[str, int]
    special_index: int
    missing_index: int
    points: np.ndarray
    woe: np.ndarray
    split_list: list[float] = field(default_factory=list)
    points_list: list[float] = field(default_factory=list)
    woe_list: list[float] = field(default_factory=list)

    @classmethod
    def from_card(cls, card: FeatureCard) -> _Table:
        regular = card.regular_bins
        n = len(card.bins)
        categorical = card.dtype == "categorical"
        splits = [b.low for b in regular[1:]] if not categorical else []
        category_index = {c: b.index for b in regular for c in b.categories}
        special_index, missing_index = n - 2, n - 1
        for code in card.special_codes:
            category_index[str(code)] = special_index
        categories = tuple(category_index)
        numeric_specials = [
            float(c) for c in card.special_codes if not isinstance(c, str)
        ]
        return cls(
            name=card.name,
            dimension=card.dimension,
            categorical=categorical,
            splits=np.asarray(splits, dtype=np.float64),
            specials=np.asarray(numeric_specials, dtype=np.float64),
            special_set=frozenset(numeric_specials),
            categories=categories,
            category_bin=np.asarray(
                [category_index[c] for c in categories], dtype=np.int64
            ),
            category_index=category_index,
            special_index=special_index,
            missing_index=missing_index,
            points=np.asarray([b.points for b in card.bins], dtype=np.float64),
            woe=np.asarray([b.woe for b in card.bins], dtype=np.float64),
            split_list=[float(s) for s in splits if s is not None],
            points_list=[b.points for b in card.bins],
            woe_list=[b.woe for b in card.bins],
        )

    def locate(self, value: Any) -> int:
        """Bin index of one value, in plain Python."""
        if _is_missing(value):
            return self.missing_index
        if self.categorical:
            return self.category_index.get(str(value), self.missing_index)
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise DataError(
                f"feature {self.name!r}: expected a number; got {type(value).__name__}"
            ) from None
        if math.isnan(x):
            return self.missing_index
        if x in self.special_set:
            return self.special_index
        return bisect.bisect_right(self.split_list, x)


@dataclass(frozen=True, slots=True)
class _Compiled:
    tables: tuple[_Table, ...]
    dimensions: tuple[str, ...]
    dimension_of: np.ndarray
    dimension_min: np.ndarray
    dimension_max: np.ndarray
    grade_mins: np.ndarray
    grade_names: tuple[str, ...]
    score_min: float
    score_max: float


def compile_artifact(artifact: ScorecardArtifact) -> _Compiled:
    """Bin tables of every feature as arrays; cached by the artifact."""
    tables = tuple(_Table.from_card(card) for card in artifact.features)
    dims = tuple(d.name for d in artifact.dimensions)
    bands = sorted(artifact.grades, key=lambda g: g.min_score)
    return _Compiled(
        tables=tables,
        dimensions=dims,
        dimension_of=np.asarray([dims.index(t.dimension) for t in tables]),
        dimension_min=np.asarray([d.points_min for d in artifact.dimensions]),
        dimension_max=np.asarray([d.points_max for d in artifact.dimensions]),
        grade_mins=np.asarray([g.min_score for g in bands], dtype=np.float64),
        grade_names=tuple(g.grade for g in bands),
        score_min=artifact.scaling.score_min,
        score_max=artifact.scaling.score_max,
    )


def locate_bin(card: FeatureCard, value: Any) -> int:
    """Index of the bin of ``card`` that ``value`` falls in."""
    return _Table.from_card(card).locate(value)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


# -- one subject ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectScore:
    """The score of one subject.

    Attributes
    ----------
    points : dict
        Points per feature, in scoring order.
    bins : dict
        Index of the bin each feature fell in (``FeatureCard.bins[i]``).
    dimension_points, dimension_percent : dict
        Subscore per dimension in points and in percent of the dimension's
        range (0 = worst bins everywhere, 100 = best).
    raw_score : float
        Sum of points, unclipped (what optbinning's ``Scorecard.score`` gives).
    score : float
        ``raw_score`` clipped to the scaling's score range.
    grade : str
        Grade letter of ``score``.
    """

    points: dict[str, float]
    bins: dict[str, int]
    dimension_points: dict[str, float]
    dimension_percent: dict[str, float]
    raw_score: float
    score: float
    grade: str


def score_subject(
    artifact: ScorecardArtifact, subject: Mapping[str, Any]
) -> SubjectScore:
    """Score one subject given as a mapping of feature name to value.

    A feature absent from ``subject`` or given as ``None``/NaN falls in its
    missing bin. No DataFrame is built; this takes microseconds.

    Examples
    --------
    >>> result = score_subject(card, {"late_payments_12m": 0})  # doctest: +SKIP
    >>> result.grade  # doctest: +SKIP
    'B'
    """
    comp: _Compiled = artifact.compiled()
    points: dict[str, float] = {}
    bins: dict[str, int] = {}
    by_dim = dict.fromkeys(comp.dimensions, 0.0)
    total = 0.0
    for table in comp.tables:
        index = table.locate(subject.get(table.name))
        value = table.points_list[index]
        bins[table.name] = index
        points[table.name] = value
        by_dim[table.dimension] += value
        total += value
    percent = {
        name: _percent(by_dim[name], low, high)
        for name, low, high in zip(
            comp.dimensions, comp.dimension_min, comp.dimension_max, strict=True
        )
    }
    score = min(max(total, comp.score_min), comp.score_max)
    return SubjectScore(
        points=points,
        bins=bins,
        dimension_points=by_dim,
        dimension_percent=percent,
        raw_score=total,
        score=score,
        grade=artifact.grade_of(score),
    )


def woe_subject(
    artifact: ScorecardArtifact, subject: Mapping[str, Any]
) -> dict[str, float]:
    """WOE of each feature for one subject (the row SHAP explains)."""
    comp: _Compiled = artifact.compiled()
    return {t.name: t.woe_list[t.locate(subject.get(t.name))] for t in comp.tables}


def _percent(value: float, low: float, high: float) -> float:
    if high <= low:
        return 100.0
    return float((value - low) / (high - low) * 100.0)


# -- batch ----------------------------------------------------------------


#: Subjects per task of the parallel kernels: long enough runs per feature
#: to stream memory, enough tasks to share among cores.
_BLOCK = 8192


@numba.njit(parallel=True, cache=True)
def _numeric_bins(
    values: np.ndarray,
    rows: np.ndarray,
    splits: np.ndarray,
    split_start: np.ndarray,
    specials: np.ndarray,
    special_start: np.ndarray,
    special_index: np.ndarray,
    missing_index: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Bin every numeric feature (``values[f]``) into ``out[rows[f]]``.

    One parallel loop over subjects for all features: feature ``f`` has the
    splits ``splits[split_start[f]:split_start[f + 1]]`` and likewise its
    special codes. Bins are ``[low, high)``, as ``np.digitize`` in optbinning.
    """
    n = values.shape[1]
    for block in numba.prange((n + _BLOCK - 1) // _BLOCK):
        for f in range(values.shape[0]):  # feature by feature within a block
            first, last = split_start[f], split_start[f + 1]
            row = rows[f]
            for i in range(block * _BLOCK, min(n, (block + 1) * _BLOCK)):
                x = values[f, i]
                if np.isnan(x):
                    out[row, i] = missing_index[f]
                    continue
                special = False
                for s in range(special_start[f], special_start[f + 1]):
                    if x == specials[s]:
                        special = True
                if special:
                    out[row, i] = special_index[f]
                    continue
                below = 0  # splits at or below x; a branch-free scan beats
                for s in range(first, last):  # bisection over so few splits
                    below += splits[s] <= x
                out[row, i] = below


@numba.njit(parallel=True, cache=True)
def _lookup_sum(
    index: np.ndarray,
    tables: np.ndarray,
    dimension_of: np.ndarray,
    points: np.ndarray,
    by_dimension: np.ndarray,
    total: np.ndarray,
) -> None:  # pragma: no cover - compiled
    k, n = index.shape
    for block in numba.prange((n + _BLOCK - 1) // _BLOCK):
        lo, hi = block * _BLOCK, min(n, (block + 1) * _BLOCK)
        for i in range(lo, hi):
            total[i] = 0.0
        for j in range(k):  # feature order, the order optbinning sums in
            d = dimension_of[j]
            for i in range(lo, hi):
                value = tables[j, index[j, i]]
                points[j, i] = value
                by_dimension[d, i] += value
                total[i] += value


@dataclass(frozen=True)
class BatchScores:
    """Scores of a table of subjects (one row per input row, same order).

    Attributes
    ----------
    points : pandas.DataFrame
        Points per feature (columns in scoring order).
    bins : pandas.DataFrame
        Bin index per feature.
    dimension_points, dimension_percent : pandas.DataFrame
        Subscores per dimension in points and in percent of its range.
    raw_score, score : numpy.ndarray
        Unclipped sum of points, and the total clipped to the score range.
    grade : numpy.ndarray
        Grade letter per row.
    """

    points: pd.DataFrame
    bins: pd.DataFrame
    dimension_points: pd.DataFrame
    dimension_percent: pd.DataFrame
    raw_score: np.ndarray
    score: np.ndarray
    grade: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One flat table: score, grade, subscores and points per feature."""
        parts = [
            pd.DataFrame(
                {"score": self.score, "raw_score": self.raw_score, "grade": self.grade},
                index=self.points.index,
            ),
            self.dimension_points.add_prefix("points_dim_"),
            self.dimension_percent.add_prefix("percent_dim_"),
            self.points.add_prefix("points_"),
        ]
        return pd.concat(parts, axis=1)


def _read(data: pd.DataFrame | str | os.PathLike[str], columns: Sequence[str]) -> Any:
    if isinstance(data, pd.DataFrame):
        return data
    path = Path(data)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        present = set(pq.read_schema(path).names)
        return pd.read_parquet(path, columns=[c for c in columns if c in present])
    if suffix == ".csv":
        return pd.read_csv(path)
    raise DataError(
        f"{path}: expected a .parquet or .csv file; got {suffix or 'no suffix'!r}"
    )


def _numeric_column(name: str, column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object:
        converted = pd.to_numeric(column, errors="coerce")
        bad = converted.isna() & column.notna()
        if bad.any():
            raise DataError(
                f"column {name!r}: expected numbers; got "
                f"{column[bad].iloc[0]!r} in row {int(np.flatnonzero(bad)[0]) + 1}"
            )
        column = converted
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def bin_indices(
    artifact: ScorecardArtifact, data: pd.DataFrame | str | os.PathLike[str]
) -> pd.DataFrame:
    """Bin index of every feature for every row (``FeatureCard.bins[i]``)."""
    comp: _Compiled = artifact.compiled()
    frame = _read(data, [t.name for t in comp.tables])
    return _frame(
        _index_matrix(comp.tables, frame), [t.name for t in comp.tables], frame.index
    )


def _index_matrix(tables: Sequence[_Table], frame: pd.DataFrame) -> np.ndarray:
    """Bin index per feature (rows of the result) and subject (columns)."""
    absent = [t.name for t in tables if t.name not in frame.columns]
    if absent:
        raise MissingColumnError(
            f"the data lack column(s) the scorecard needs: {absent}; "
            f"got columns {list(frame.columns)[:20]}"
        )
    widest = max((len(t.points) for t in tables), default=0)
    dtype = np.int8 if widest <= np.iinfo(np.int8).max else np.int16
    index = np.empty((len(tables), len(frame)), dtype=dtype)
    numeric = [j for j, t in enumerate(tables) if not t.categorical]
    for j, table in enumerate(tables):
        if table.categorical:
            index[j] = _category_bins(table, frame[table.name])
    if not numeric:
        return index
    values = np.empty((len(numeric), len(frame)), dtype=np.float64)
    for f, j in enumerate(numeric):
        values[f] = _numeric_column(tables[j].name, frame[tables[j].name])
    chosen = [tables[j] for j in numeric]
    _numeric_bins(
        values,
        np.asarray(numeric, dtype=np.int64),
        np.concatenate([t.splits for t in chosen]),
        _starts([len(t.splits) for t in chosen]),
        np.concatenate([t.specials for t in chosen]),
        _starts([len(t.specials) for t in chosen]),
        np.asarray([t.special_index for t in chosen], dtype=np.int64),
        np.asarray([t.missing_index for t in chosen], dtype=np.int64),
        index,
    )
    return index


def _starts(lengths: Sequence[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def _category_bins(table: _Table, column: pd.Series) -> np.ndarray:
    """Bin index of a categorical column; unseen and missing go to missing."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.asarray(
            [
                table.category_index.get(_as_text(c), table.missing_index)
                for c in column.cat.categories
            ]
            + [table.missing_index],
            dtype=np.int64,
        )
        return np.asarray(lookup[column.cat.codes.to_numpy()])
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # missing: -1
    lookup = np.asarray(
        [table.category_index.get(_as_text(u), table.missing_index) for u in uniques]
        + [table.missing_index],
        dtype=np.int64,
    )
    return np.asarray(lookup[codes])


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def score_frame(
    artifact: ScorecardArtifact, data: pd.DataFrame | str | os.PathLike[str]
) -> BatchScores:
    """Score every row of a DataFrame or a Parquet/CSV file.

    Raises
    ------
    MissingColumnError
        If a scored feature has no column.
    DataError
        If a numeric feature holds text.

    Examples
    --------
    >>> scores = score_frame(card, frame)  # doctest: +SKIP
    >>> scores.to_frame()[["score", "grade"]].head()  # doctest: +SKIP
    """
    comp: _Compiled = artifact.compiled()
    names = [t.name for t in comp.tables]
    frame = _read(data, names)
    index = _index_matrix(comp.tables, frame)
    width = max(len(t.points) for t in comp.tables)
    tables = np.zeros((len(comp.tables), width))
    for j, table in enumerate(comp.tables):
        tables[j, : len(table.points)] = table.points
    n = index.shape[1]
    points = np.empty(index.shape, dtype=np.float64)
    by_dim = np.zeros((len(comp.dimensions), n), dtype=np.float64)
    raw = np.empty(n, dtype=np.float64)
    _lookup_sum(index, tables, comp.dimension_of, points, by_dim, raw)
    score = np.clip(raw, comp.score_min, comp.score_max)
    percent = _percent_of_range(by_dim, comp.dimension_min, comp.dimension_max)
    rank = np.searchsorted(comp.grade_mins, score, side="right") - 1
    grade = np.asarray(comp.grade_names, dtype=object)[np.maximum(rank, 0)]
    rows = frame.index
    return BatchScores(
        points=_frame(points, names, rows),
        bins=_frame(index, names, rows),
        dimension_points=_frame(by_dim, comp.dimensions, rows),
        dimension_percent=_frame(percent, comp.dimensions, rows),
        raw_score=raw,
        score=score,
        grade=grade,
    )


def _percent_of_range(
    values: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Each row of ``values`` as percent of its ``[low, high]``; 100 if empty."""
    out = np.empty_like(values)
    for d in range(values.shape[0]):
        if high[d] > low[d]:
            np.subtract(values[d], low[d], out=out[d])
            out[d] *= 100.0 / (high[d] - low[d])
        else:
            out[d] = 100.0
    return out


def _frame(columns_first: np.ndarray, names: Sequence[str], rows: Any) -> pd.DataFrame:
    """A DataFrame over a (columns, rows) array without copying it."""
    return pd.DataFrame(columns_first.T, columns=list(names), index=rows, copy=False)


def woe_frame(
    artifact: ScorecardArtifact, data: pd.DataFrame | str | os.PathLike[str]
) -> pd.DataFrame:
    """WOE of every feature for every row: the matrix the logit was fitted on.

    ``points == slope * woe + constant`` per feature, exactly; see
    :class:`~scorecard.FeatureCard`.
    """
    comp: _Compiled = artifact.compiled()
    frame = _read(data, [t.name for t in comp.tables])
    index = _index_matrix(comp.tables, frame)
    woe = np.empty(index.shape, dtype=np.float64)
    for j, table in enumerate(comp.tables):
        woe[j] = table.woe[index[j]]
    return _frame(woe, [t.name for t in comp.tables], frame.index)
