"""Evaluating a policy on a certificate: the status first, then first match wins.

The semantics, in order:

1. The certificate's status on the day asked: the status the caller passes
   (the database's current one: ``disputed``, ``superseded``, ``revoked``)
   or else the signed one; an ``issued`` certificate whose ``expires_on``
   is before the day asked counts as ``expired``. Any status but ``issued``
   gets the policy's ``not_issued`` answer for it, never a ``decide`` one.
2. Otherwise the ``decide`` entries are tried in order; the first whose
   ``when`` holds gives the answer. The last entry has no ``when`` and
   always matches.
3. A ``when`` holds when every test in it holds. A test on a value the
   certificate does not have (no grade, no subscore for a dimension) does
   not hold, whichever way it is phrased: ``grade_not: [E]`` is not true of
   a certificate without a grade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credcert.policies._errors import AnswerInputError
from credcert.policies._schema import AnswerOption, Bounds, Policy, When

__all__ = ["Decision", "Facts", "Failure", "decide", "facts_of", "failures"]


@dataclass(frozen=True, slots=True)
class Facts:
    """What a policy reads from a certificate."""

    certificate_id: str
    status: str
    grade: str | None
    subscores: dict[str, float]
    flags: tuple[tuple[str, str], ...]
    """Each fired rule as ``(rule_id, effect)``."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A policy's answer for one certificate, and how it was reached.

    Attributes
    ----------
    answer : str
        The answer's name (``yes``, ``refer``, ``line_high``...).
    option : AnswerOption
        Its meaning, reason and credit line.
    status : str
        The certificate's status on the day asked (``expired`` included).
    entry : int or None
        Index of the ``decide`` entry that matched; None when the status
        decided.
    """

    answer: str
    option: AnswerOption
    status: str
    entry: int | None


@dataclass(frozen=True, slots=True)
class Failure:
    """One test of a ``when`` that did not hold.

    ``test`` is ``grade``, ``grade_not``, ``subscores``, ``flagged`` or
    ``not_flagged``; ``dimension`` names the subscore for ``subscores``;
    ``rules`` the rule ids that made a flag test fail (for ``not_flagged``).
    """

    test: str
    dimension: str | None = None
    rules: tuple[str, ...] = ()


def facts_of(
    certificate: Mapping[str, Any], *, on: dt.date, status: str | None = None
) -> Facts:
    """The facts of a certificate document on day ``on``.

    Raises
    ------
    AnswerInputError
        If the document lacks ``id``, ``status`` or ``expires_on``, or a
        member has the wrong shape.
    """
    if not isinstance(certificate, Mapping):
        raise AnswerInputError(
            f"certificate: expected a JSON object; got {type(certificate).__name__}"
        )
    try:
        cid = str(certificate["id"])
        current = status or str(certificate["status"])
        expires = dt.date.fromisoformat(str(certificate["expires_on"]))
        subscores = {
            str(s["dimension"]): float(s["percent"])
            for s in certificate.get("subscores") or ()
        }
        flags = tuple(
            (str(f["rule_id"]), str(f["effect"]))
            for f in certificate.get("flags") or ()
        )
    except KeyError as exc:
        raise AnswerInputError(
            f"certificate: expected a member {exc.args[0]!r} (a certificate "
            "document as signed)"
        ) from None
    except (TypeError, ValueError) as exc:
        raise AnswerInputError(
            f"certificate: a member has the wrong form: {exc}"
        ) from None
    if current == "issued" and expires < on:
        current = "expired"
    grade = certificate.get("grade")
    return Facts(cid, current, None if grade is None else str(grade), subscores, flags)


def _within(value: float | None, bounds: Bounds) -> bool:
    if value is None:
        return False
    low, high = bounds.at_least, bounds.at_most
    return (low is None or value >= low) and (high is None or value <= high)


def failures(when: When, facts: Facts) -> list[Failure]:
    """Every test of ``when`` that does not hold for ``facts`` (empty: it holds)."""
    out: list[Failure] = []
    if when.grade is not None and facts.grade not in when.grade:
        out.append(Failure("grade"))
    if when.grade_not is not None and (
        facts.grade is None or facts.grade in when.grade_not
    ):
        out.append(Failure("grade_not"))
    for dimension, bounds in (when.subscores or {}).items():
        if not _within(facts.subscores.get(dimension), bounds):
            out.append(Failure("subscores", dimension=dimension))
    if when.flagged is not None:
        match = when.flagged
        if not any(match.matches(rule, effect) for rule, effect in facts.flags):
            out.append(Failure("flagged"))
    if when.not_flagged is not None:
        match = when.not_flagged
        hit = tuple(rule for rule, effect in facts.flags if match.matches(rule, effect))
        if hit:
            out.append(Failure("not_flagged", rules=hit))
    return out


def _holds(when: When | None, facts: Facts) -> bool:
    """Whether ``when`` holds: :func:`failures` is empty, without building it.

    The fast path of every answer; a test checks the two agree.
    """
    if when is None:
        return True
    if when.grade is not None and facts.grade not in when.grade:
        return False
    if when.grade_not is not None and (
        facts.grade is None or facts.grade in when.grade_not
    ):
        return False
    for dimension, bounds in (when.subscores or {}).items():
        if not _within(facts.subscores.get(dimension), bounds):
            return False
    if when.flagged is not None and not any(
        when.flagged.matches(rule, effect) for rule, effect in facts.flags
    ):
        return False
    return when.not_flagged is None or not any(
        when.not_flagged.matches(rule, effect) for rule, effect in facts.flags
    )


def decide(policy: Policy, facts: Facts) -> Decision:
    """The answer ``policy`` gives for ``facts`` (see the module's semantics)."""
    if facts.status != "issued":
        name = getattr(policy.not_issued, facts.status, None)
        if name is None:
            raise AnswerInputError(
                f"certificate status: expected 'issued' or one of "
                f"{', '.join(type(policy.not_issued).model_fields)}; got "
                f"{facts.status!r}"
            )
        return Decision(name, policy.answers[name], facts.status, None)
    for index, entry in enumerate(policy.decide):
        if _holds(entry.when, facts):
            return Decision(entry.answer, policy.answers[entry.answer], "issued", index)
    # The loader requires the last entry to have no 'when'.
    raise AssertionError(f"{policy.key}: no decide entry matched")
