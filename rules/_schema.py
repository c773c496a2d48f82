"""The pydantic schema of rule files: rule-set header, rules, conditions, examples.

A rule file holds one rule family. Its shape, in YAML::

    ruleset: {name, version, family, owner, effective_from, effective_to}
    rules:
      - id, version, effective_from, effective_to, title {zh, en},
        description {zh, en}, legal_basis [{law, article, en}],
        data_categories [...], effect, grade_cap, when <condition>,
        examples [{name, facts, fires}]

A condition is ``{all: [...]}``, ``{any: [...]}``, ``{not: <condition>}`` or a
comparison ``{field, op, value}``. The schema checks shape only; whether a
field exists and a constant fits it is checked in :mod:`rules._check`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)

from subscribers import DataCategory

__all__ = [
    "EFFECTS",
    "GRADES",
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "Effect",
    "Example",
    "Grade",
    "LegalBasis",
    "NotOf",
    "Operator",
    "Rule",
    "RuleFile",
    "RuleSetHeader",
    "Text",
]

#: Effects from strongest to weakest; this order is the combining precedence.
Effect = Literal["deny", "review", "cap_grade", "flag"]
EFFECTS: tuple[str, ...] = get_args(Effect)
#: Scorecard grades from best to worst; a ``cap_grade`` names one of them.
Grade = Literal["A", "B", "C", "D", "E"]
GRADES: tuple[str, ...] = get_args(Grade)
#: Comparison operators of a condition leaf.
Operator = Literal[
    "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_missing", "is_present"
]
OPERATORS: tuple[str, ...] = get_args(Operator)

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class LegalBasis(_Model):
    """A law (and article) a rule rests on, named in Chinese and English."""

    law: str = Field(min_length=1)
    article: str | None = None
    en: str = Field(min_length=1)


class Compare(_Model):
    """A comparison of one data-contract field with a constant."""

    field: str
    op: Operator
    value: Scalar | list[Scalar] | None = None


class AllOf(_Model):
    """True when every condition is true."""

    all: list[Condition]


class AnyOf(_Model):
    """True when at least one condition is true."""

    any: list[Condition]


class NotOf(_Model):
    """True when the condition is false (unknown stays unknown)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "compare"
    kinds: dict[type, str] = {AllOf: "all", AnyOf: "any", NotOf: "not"}
    return kinds.get(type(value), "compare")


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Compare, Tag("compare")],
    Discriminator(_condition_kind),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


class Example(_Model):
    """A case that must hold: these facts make the rule fire, or not."""

    name: str = Field(min_length=1)
    facts: dict[str, Scalar | None]
    fires: StrictBool


class Rule(_Model):
    """One compliance rule.

    ``file`` and ``line`` (private, set by the loader) say where it was read.
    """

    id: str = Field(pattern=r"^[A-Z]{2,5}-[0-9]{3}$")
    version: StrictInt = Field(ge=1)
    effective_from: dt.date
    effective_to: dt.date | None = None
    title: Text
    description: Text
    legal_basis: list[LegalBasis]
    data_categories: list[DataCategory] = Field(min_length=1)
    effect: Effect
    grade_cap: Grade | None = None
    when: Condition
    examples: list[Example] = Field(min_length=1)

    _file: str = PrivateAttr(default="")
    _line: int = PrivateAttr(default=0)

    @model_validator(mode="after")
    def _cap_with_cap_grade(self) -> Rule:
        if (self.effect == "cap_grade") != (self.grade_cap is not None):
            raise ValueError("grade_cap is given exactly when effect is 'cap_grade'")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is on or after effective_from")
        return self

    @property
    def key(self) -> str:
        """``id@version``, unique within a rule set."""
        return f"{self.id}@{self.version}"

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int:
        return self._line

    def effective_on(self, day: dt.date) -> bool:
        """Whether the rule is in force on ``day``."""
        ends = self.effective_to
        return self.effective_from <= day and (ends is None or day <= ends)


class RuleSetHeader(_Model):
    """What every file of a rule set says about the set."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    family: str = Field(pattern=r"^[a-z][a-z_]*$")
    owner: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = None


class RuleFile(_Model):
    """A whole rule file (used for its shape; the loader checks rules one by one)."""

    ruleset: RuleSetHeader
    rules: list[Rule]
