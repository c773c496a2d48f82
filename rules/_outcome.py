"""What rule evaluation returns: fired rules with traces, combined into one outcome.

Effects combine by a fixed precedence, strongest first: ``deny`` > ``review``
> ``cap_grade`` > ``flag``. The outcome's status is the strongest effect that
fired (``pass`` when none did), its grade cap is the worst grade any
``cap_grade`` rule allows (kept even when the status is stronger), and every
fired rule is kept with its trace, flags included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from rules._schema import EFFECTS, GRADES, LegalBasis, Rule, Text

__all__ = ["STATUSES", "Check", "FiredRule", "RuleOutcome", "Status", "combine"]

#: Outcome statuses, strongest first; ``pass`` means no rule fired.
Status = Literal["deny", "review", "cap_grade", "flag", "pass"]
STATUSES: tuple[str, ...] = (*EFFECTS, "pass")


@dataclass(frozen=True, slots=True)
class Check:
    """One comparison of a fired rule: the input it saw and its result.

    ``result`` is ``True``, ``False`` or ``None`` (unknown: the input is
    missing).
    """

    field: str
    op: str
    value: Any
    input: Any
    result: bool | None


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule that fired for a subject, with every comparison it made."""

    rule_id: str
    version: int
    effect: str
    grade_cap: str | None
    title: Text
    description: Text
    legal_basis: tuple[LegalBasis, ...]
    trace: tuple[Check, ...]

    @classmethod
    def of(cls, rule: Rule, trace: Iterable[tuple[Any, ...]]) -> FiredRule:
        """A fired rule from its :class:`Rule` and its trace entries."""
        checks = tuple(Check(*entry) for entry in trace)
        return cls(
            rule.id,
            rule.version,
            rule.effect,
            rule.grade_cap,
            rule.title,
            rule.description,
            tuple(rule.legal_basis),
            checks,
        )


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """The combined result of every rule for one subject.

    Attributes
    ----------
    status : str
        The strongest effect fired, or ``"pass"``.
    grade_cap : str or None
        The worst grade cap among fired ``cap_grade`` rules.
    fired : tuple of FiredRule
        Every rule that fired, once each, in rule-set order.
    ruleset_version : str
        Version of the rule set that decided.
    """

    status: Status
    grade_cap: str | None
    fired: tuple[FiredRule, ...]
    ruleset_version: str

    @property
    def flags(self) -> tuple[FiredRule, ...]:
        """Fired rules whose effect is ``flag``."""
        return tuple(f for f in self.fired if f.effect == "flag")

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.fired)


def combine(fired: Iterable[FiredRule], ruleset_version: str) -> RuleOutcome:
    """Combine fired rules into one outcome by the documented precedence."""
    fired = tuple(fired)
    ranks = [EFFECTS.index(f.effect) for f in fired]
    status = EFFECTS[min(ranks)] if ranks else "pass"
    caps = [f.grade_cap for f in fired if f.grade_cap is not None]
    cap = max(caps, key=GRADES.index) if caps else None
    return RuleOutcome(status, cap, fired, ruleset_version)  # type: ignore[arg-type]
