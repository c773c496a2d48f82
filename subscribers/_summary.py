"""A per-field summary of a subscriber table, for people to read."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from subscribers._catalogue import FIELDS, FieldKind, Role

__all__ = ["FieldSummary", "summarize"]


@dataclass(frozen=True, slots=True)
class FieldSummary:
    """What one field of a table looks like."""

    name: str
    dimension: str
    role: str
    missing_share: float
    typical: str
    """Mean for numbers, share true for flags, most common value otherwise."""
    low: str
    high: str


def summarize(frame: pd.DataFrame) -> list[FieldSummary]:
    """Summarise every catalogue field present in ``frame``, in catalogue order.

    Examples
    --------
    >>> from subscribers.synth import generate
    >>> rows = summarize(generate(200, seed=1))
    >>> rows[0].name
    'real_name_verified'
    """
    out = []
    for spec in FIELDS.with_role(Role.INPUT, Role.GROUP):
        if spec.name not in frame:
            continue
        column = frame[spec.name]
        present = column.dropna()
        dimension = spec.dimension.value if spec.dimension else "-"
        if present.empty:
            typical = low = high = "-"
        elif spec.kind is FieldKind.BOOL:
            typical = f"{present.astype(bool).mean():.1%} true"
            low = high = "-"
        elif spec.kind is FieldKind.CATEGORY:
            counts = present.astype(str).value_counts(normalize=True)
            typical = f"{counts.index[0]} ({counts.iloc[0]:.0%})"
            low = high = "-"
        else:
            values = present.astype(float)
            typical = f"{values.mean():.3g}"
            low, high = f"{values.min():.4g}", f"{values.max():.4g}"
        out.append(
            FieldSummary(
                name=spec.name,
                dimension=dimension,
                role=spec.role.value,
                missing_share=float(column.isna().mean()),
                typical=typical,
                low=low,
                high=high,
            )
        )
    return out
