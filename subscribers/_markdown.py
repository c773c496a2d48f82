"""The field catalogue as a Markdown table, for docs/data-contract.md."""

from __future__ import annotations

from subscribers._catalogue import FIELDS, FieldKind, FieldSpec

__all__ = ["catalogue_markdown"]

_HEADER = (
    "| field | role | dimension | data category | type | unit | valid values "
    "| actionable | negative | 中文 | English |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def _values(spec: FieldSpec) -> str:
    if spec.kind is FieldKind.BOOL:
        return "true / false"
    if spec.kind is FieldKind.CATEGORY:
        return " / ".join(spec.categories)
    return f"{spec.low:g} – {spec.high:g}"


def catalogue_markdown() -> str:
    """Every catalogue field as one row of a Markdown table."""
    rows = [_HEADER]
    for spec in FIELDS.values():
        dimension = (
            f"{spec.dimension.value} {spec.dimension.zh}" if spec.dimension else ""
        )
        rows.append(
            f"| `{spec.name}` | {spec.role.value} | {dimension} | "
            f"{spec.category.value} | {spec.kind.value} | {spec.unit} | "
            f"{_values(spec)} | {'yes' if spec.actionable else 'no'} | "
            f"{'yes' if spec.negative else 'no'} | {spec.zh} | {spec.en} |"
        )
    return "\n".join(rows) + "\n"
