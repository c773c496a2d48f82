"""The scorecard spec: what to train on and how, validated from YAML.

A spec names the dataset and its binary target, the features with their
dimension, monotonic trend, special codes and optional fixed splits, the
variable-selection thresholds, the points scaling, the grade bands and the
approval cutoff. The same format serves the synthetic subscribers (features
checked against the data contract) and any other tabular credit dataset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scorecard._errors import ForbiddenFeatureError, SpecError

__all__ = [
    "BinningDefaults",
    "Cutoff",
    "DatasetSpec",
    "FeatureSpec",
    "GradeBand",
    "MonotonicTrend",
    "Scaling",
    "ScorecardSpec",
    "Selection",
    "SplitSpec",
    "default_spec_path",
    "load_spec",
]

SPEC_SCHEMA: Literal["credcert.scorecard-spec/1"] = "credcert.scorecard-spec/1"

#: Trends of the event rate over the feature, as optbinning names them.
MonotonicTrend = Literal[
    "auto",
    "auto_heuristic",
    "auto_asc_desc",
    "ascending",
    "descending",
    "concave",
    "convex",
    "peak",
    "valley",
    "none",
]
MONOTONIC_TRENDS: tuple[str, ...] = get_args(MonotonicTrend)
Grade = Literal["A", "B", "C", "D", "E"]
GRADES: tuple[str, ...] = get_args(Grade)
_NAME = r"^[A-Za-z_][A-Za-z0-9_.]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSpec(_Model):
    """Where the training data comes from.

    ``kind="subscribers"`` checks every feature against the data contract;
    with no ``path`` the synthetic generator supplies ``synthetic_rows`` rows.
    ``kind="table"`` reads any CSV or Parquet file.
    """

    kind: Literal["subscribers", "table"] = "table"
    path: str | None = None
    target: str = Field(min_length=1)
    #: The value of ``target`` that marks an event (a default, a "bad").
    event_value: int | str = 1
    synthetic_rows: int = Field(default=200_000, ge=1000)
    synthetic_seed: int = 0


class FeatureSpec(_Model):
    """One candidate feature and how to bin it."""

    name: str = Field(pattern=_NAME)
    dimension: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    dtype: Literal["numerical", "categorical"] | None = None
    monotonic_trend: MonotonicTrend = "auto_asc_desc"
    # Known shortcoming: all special codes share one bin (optbinning's list
    # form); named groups of codes (its dict form) wait for a dataset that
    # needs them.
    special_codes: tuple[float | str, ...] = ()
    #: Fixed split points (numerical) or groups of categories (categorical),
    #: kept as given by the optimiser.
    splits: tuple[float, ...] | tuple[tuple[str, ...], ...] | None = None
    min_bin_size: float | None = Field(default=None, gt=0, le=0.5)
    max_n_bins: int | None = Field(default=None, ge=2, le=20)
    #: Why the feature is here or binned this way, for the reader.
    note: str = ""

    @model_validator(mode="after")
    def _splits_sorted(self) -> FeatureSpec:
        if self.splits and isinstance(self.splits[0], float | int):
            values = list(self.splits)
            if values != sorted(set(values)):
                raise ValueError(
                    f"splits: expected strictly increasing numbers; got {values}"
                )
        return self


class BinningDefaults(_Model):
    """Binning options applied to every feature unless it sets its own."""

    max_n_bins: int = Field(default=6, ge=2, le=20)
    min_bin_size: float = Field(default=0.05, gt=0, le=0.5)
    max_n_prebins: int = Field(default=20, ge=2, le=100)
    solver: Literal["cp", "mip"] = "cp"


class Selection(_Model):
    """Thresholds of the variable selection, applied in this order."""

    min_iv: float = Field(default=0.02, ge=0)
    max_correlation: float = Field(default=0.8, gt=0, le=1)
    max_vif: float = Field(default=5.0, gt=1)
    max_p_value: float = Field(default=0.05, gt=0, le=1)
    #: Drop a feature whose coefficient makes points move against risk
    #: (a warning is logged either way).
    drop_against_risk: bool = True


class SplitSpec(_Model):
    """The stratified train/test split."""

    test_size: float = Field(default=0.3, gt=0, lt=1)
    seed: int = 42


class Scaling(_Model):
    """Points scaling: ``base_score`` at good:bad odds ``base_odds``;
    ``pdo`` more points double the odds. Totals are clipped to
    ``[score_min, score_max]``."""

    pdo: float = Field(default=20.0, gt=0)
    base_score: float = Field(default=600.0, gt=0)
    base_odds: float = Field(default=50.0, gt=0)
    score_min: float = 300.0
    score_max: float = 900.0

    @model_validator(mode="after")
    def _range(self) -> Scaling:
        if not self.score_min < self.score_max:
            raise ValueError(
                "score_min must be below score_max; got "
                f"{self.score_min:g} and {self.score_max:g}"
            )
        return self


class GradeBand(_Model):
    """A grade: scores from ``min_score`` up to the next better grade."""

    grade: Grade
    min_score: float
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Cutoff(_Model):
    """The approval cutoff, as a score or as the worst approved grade."""

    score: float | None = None
    grade: Grade | None = None

    @model_validator(mode="after")
    def _one(self) -> Cutoff:
        if (self.score is None) == (self.grade is None):
            raise ValueError("expected exactly one of 'score' or 'grade'")
        return self


class ScorecardSpec(_Model):
    """A whole scorecard spec; see ``docs/scorecard.md`` for the format.

    Examples
    --------
    >>> spec = load_spec(default_spec_path())
    >>> spec.dataset.target, spec.scaling.pdo
    ('default_12m', 20.0)
    """

    schema_: Literal["credcert.scorecard-spec/1"] = Field(
        default=SPEC_SCHEMA, alias="schema"
    )
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(min_length=1)
    description: str = ""
    dataset: DatasetSpec
    features: tuple[FeatureSpec, ...] = Field(min_length=1)
    binning: BinningDefaults = BinningDefaults()
    selection: Selection = Selection()
    split: SplitSpec = SplitSpec()
    scaling: Scaling = Scaling()
    grades: tuple[GradeBand, ...] = Field(min_length=2)
    cutoff: Cutoff
    #: Chinese and English names of dimensions (the data contract's
    #: dimensions are named already).
    dimension_names: Mapping[str, Mapping[Literal["zh", "en"], str]] = {}

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self) -> ScorecardSpec:
        names = [f.name for f in self.features]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"features: each name once; got {twice} twice")
        if self.dataset.target in names:
            raise ValueError(
                f"features: the target {self.dataset.target!r} cannot be a feature"
            )
        letters = [g.grade for g in self.grades]
        if letters != sorted(letters) or len(set(letters)) != len(letters):
            raise ValueError(f"grades: expected A, B, ... best first; got {letters}")
        scores = [g.min_score for g in self.grades]
        if scores != sorted(scores, reverse=True) or len(set(scores)) < len(scores):
            raise ValueError(
                f"grades: expected min_score falling from best grade; got {scores}"
            )
        if self.cutoff.grade is not None and self.cutoff.grade not in letters:
            raise ValueError(
                f"cutoff.grade: expected one of {letters}; got {self.cutoff.grade!r}"
            )
        return self

    @property
    def cutoff_score(self) -> float:
        """The approval cutoff as a score (a grade's ``min_score``)."""
        if self.cutoff.score is not None:
            return self.cutoff.score
        return next(g.min_score for g in self.grades if g.grade == self.cutoff.grade)

    def feature(self, name: str) -> FeatureSpec:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(f"spec {self.name!r} has no feature {name!r}")


def default_spec_path() -> Path:
    """The shipped spec for the synthetic subscribers."""
    return Path(__file__).parent / "specs" / "subscribers.yaml"


def load_spec(source: str | os.PathLike[str] | Mapping[str, Any]) -> ScorecardSpec:
    """Load and validate a spec from a YAML file or a mapping.

    A subscriber spec (``dataset.kind: subscribers``) is also checked against
    the data contract: every feature must be a catalogue input; its dtype and
    dimension come from the catalogue.

    Parameters
    ----------
    source : path or mapping
        A YAML file, or the already parsed mapping.

    Returns
    -------
    ScorecardSpec

    Raises
    ------
    SpecError
        Naming ``file:line`` and the field path of the first problem.
    ForbiddenFeatureError
        If a group attribute (age band, region, migrant) or a context field
        is named as a feature of a subscriber spec.

    Examples
    --------
    >>> spec = load_spec(default_spec_path())
    >>> spec.cutoff_score
    560.0
    """
    lines: dict[tuple[Any, ...], int] = {}
    where: str | None = None
    base: Path | None = None
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        path = Path(source)
        where, base = str(path), path.parent
        data = _read_yaml(path, lines)
    if not isinstance(data, Mapping):
        raise SpecError(
            f"expected a mapping at the top; got {type(data).__name__}", source=where
        )
    try:
        spec = ScorecardSpec.model_validate(data)
    except ValidationError as exc:
        raise _spec_error(exc, where, lines) from None
    spec = _resolve_path(spec, base)
    if spec.dataset.kind == "subscribers":
        spec = _check_contract(spec, where, lines)
    else:
        _check_table(spec, where, lines)
    return spec


def _read_yaml(path: Path, lines: dict[tuple[Any, ...], int]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            f"cannot read the spec: {exc.strerror}", source=str(path)
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SpecError(f"not valid YAML: {exc}", source=str(path), line=line) from None
    if node is not None:
        _record_lines(node, (), lines)
    return data


def _record_lines(
    node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]
) -> None:
    """Remember the line of every node under its path of keys and indexes."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            _record_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines)


def _field_path(loc: Sequence[Any]) -> str:
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def _line(lines: dict[tuple[Any, ...], int], loc: Sequence[Any]) -> int | None:
    loc = tuple(loc)
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc)


def _spec_error(
    exc: ValidationError, where: str | None, lines: dict[tuple[Any, ...], int]
) -> SpecError:
    error = exc.errors()[0]
    loc = [step for step in error["loc"] if not _is_union_tag(step)]
    loc = ["schema" if step == "schema_" else step for step in loc]
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] not in ("missing", "value_error"):
        message += f"; got {error.get('input')!r}"
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' * (more > 1)})"
    return SpecError(
        message, field=_field_path(loc), source=where, line=_line(lines, loc)
    )


def _is_union_tag(step: Any) -> bool:
    return isinstance(step, str) and (
        "[" in step or step in ("float", "str", "int", "function-after")
    )


def _resolve_path(spec: ScorecardSpec, base: Path | None) -> ScorecardSpec:
    """Make a relative dataset path relative to the spec file."""
    path = spec.dataset.path
    if path is None or base is None or Path(path).is_absolute():
        return spec
    dataset = spec.dataset.model_copy(update={"path": str(base / path)})
    return spec.model_copy(update={"dataset": dataset})


def _check_contract(
    spec: ScorecardSpec, where: str | None, lines: dict[tuple[Any, ...], int]
) -> ScorecardSpec:
    """Check features against the data contract; fill dtype and dimension."""
    from subscribers import FIELDS, FieldKind, Role

    features = []
    for index, feature in enumerate(spec.features):
        loc = ("features", index, "name")
        line = _line(lines, loc)
        field = _field_path(loc)
        catalogued = FIELDS.get(feature.name)
        if catalogued is None:
            raise SpecError(
                "expected an input field of the data contract; got "
                f"{feature.name!r}, which is not in the catalogue",
                field=field,
                source=where,
                line=line,
            )
        if catalogued.role is not Role.INPUT:
            what = (
                "a group attribute, kept for fairness analysis only"
                if catalogued.role is Role.GROUP
                else "a context field, used by rules only"
            )
            raise ForbiddenFeatureError(
                f"{feature.name!r} is {what}; it can never be a scorecard feature",
                field=field,
                source=where,
                line=line,
            )
        dimension = catalogued.dimension.value if catalogued.dimension else None
        if feature.dimension not in (None, dimension):
            raise SpecError(
                f"expected the contract's dimension {dimension!r}; got "
                f"{feature.dimension!r}",
                field=_field_path(("features", index, "dimension")),
                source=where,
                line=_line(lines, ("features", index, "dimension")),
            )
        kind = "categorical" if catalogued.kind is FieldKind.CATEGORY else "numerical"
        features.append(
            feature.model_copy(update={"dimension": dimension, "dtype": kind})
        )
    return spec.model_copy(update={"features": tuple(features)})


def _check_table(
    spec: ScorecardSpec, where: str | None, lines: dict[tuple[Any, ...], int]
) -> None:
    if spec.dataset.path is None:
        raise SpecError(
            "expected the path of a CSV or Parquet file for a 'table' dataset; "
            "got none",
            field="dataset.path",
            source=where,
            line=_line(lines, ("dataset",)),
        )
    for index, feature in enumerate(spec.features):
        if feature.dimension is None:
            loc = ("features", index)
            raise SpecError(
                "expected a dimension for every feature of a 'table' dataset; got none",
                field=_field_path((*loc, "dimension")),
                source=where,
                line=_line(lines, loc),
            )
