"""Static checks of one policy beyond its shape: names, reachability, impossibility.

Each problem is reported with the location (a path into the file's data)
of the node at fault, which the loader turns into a line. Checks:

- every answer named in ``decide``, ``not_issued`` and ``examples`` is declared;
- ``not_issued`` never gives a positive answer (never a silent yes);
- ``decide`` ends with one entry without ``when``, and nothing follows it;
- a ``when`` that can never hold: a grade both required and excluded, a
  subscore bound outside 0 to 100 or a lower bound above the upper, a flag
  test no rule of the rule set can meet, a flag both required and excluded;
- rule ids and dimensions exist; disclosed and viewed members exist;
- the consent purpose is one the consent ledger records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from credcert.certificate import FIELDS
from credcert.consent import PURPOSES
from credcert.policies._schema import NOT_ISSUED, FlagMatch, Policy, When
from rules import GRADES, RuleSet
from subscribers import Dimension

__all__ = ["check_policy"]

Report = Callable[[Sequence[str | int], str, str], None]
DIMENSIONS: tuple[str, ...] = tuple(d.value for d in Dimension)
#: Effects an issued certificate can carry (deny and review change the status).
ISSUED_EFFECTS = ("cap_grade", "flag")
_NEVER_SHOWN = ("subject", "signature")


def check_policy(policy: Policy, ruleset: RuleSet, report: Report) -> None:
    """Report every problem of ``policy`` against ``ruleset``."""
    _check_answers(policy, report)
    _check_decide(policy, report)
    rules: set[tuple[str, str]] = {(r.id, str(r.effect)) for r in ruleset.rules}
    for index, entry in enumerate(policy.decide):
        if entry.when is not None:
            _check_when(entry.when, rules, ["decide", index, "when"], report)
    _check_members(policy, report)
    _check_examples(policy, rules, report)
    if policy.consent_purpose not in PURPOSES:
        report(
            ["consent_purpose"],
            "unknown_purpose",
            f"consent_purpose {policy.consent_purpose!r}: expected one of "
            f"{', '.join(PURPOSES)} (the consent ledger's purposes)",
        )


def _check_answers(policy: Policy, report: Report) -> None:
    declared = policy.answers

    def known(name: str, loc: Sequence[str | int]) -> bool:
        if name in declared:
            return True
        report(
            loc,
            "unknown_answer",
            f"answer {name!r}: expected one of {', '.join(declared)}",
        )
        return False

    for index, entry in enumerate(policy.decide):
        known(entry.answer, ["decide", index, "answer"])
    for status in NOT_ISSUED:
        name = getattr(policy.not_issued, status)
        if known(name, ["not_issued", status]) and (
            declared[name].meaning == "positive"
        ):
            report(
                ["not_issued", status],
                "positive_not_issued",
                f"a {status} certificate gets {name!r}, a positive answer; expected "
                "a refer or negative answer",
            )
    for index, example in enumerate(policy.examples):
        known(example.answer, ["examples", index, "answer"])


def _check_decide(policy: Policy, report: Report) -> None:
    last = len(policy.decide) - 1
    if policy.decide[last].when is not None:
        report(
            ["decide", last],
            "schema",
            "the last decide entry has no 'when': it gives the answer when no "
            "entry above matches",
        )
    for index, entry in enumerate(policy.decide[:last]):
        if entry.when is None:
            report(
                ["decide", index + 1],
                "unreachable",
                f"decide entry {index + 1} comes after entry {index}, which has no "
                "'when' and always matches",
            )
            break


def _check_when(
    when: When, rules: set[tuple[str, str]], loc: list[str | int], report: Report
) -> None:
    allowed = set(when.grade or GRADES) - set(when.grade_not or ())
    if not allowed:
        report(
            [*loc, "grade_not" if when.grade_not else "grade"],
            "never_true",
            "no grade is both required by 'grade' and not excluded by 'grade_not'",
        )
    for dimension, bounds in (when.subscores or {}).items():
        where = [*loc, "subscores", dimension]
        if dimension not in DIMENSIONS:
            report(
                where,
                "unknown_dimension",
                f"dimension {dimension!r}: expected one of {', '.join(DIMENSIONS)}",
            )
        for name in ("at_least", "at_most"):
            value = getattr(bounds, name)
            if value is not None and not 0 <= value <= 100:
                report(
                    [*where, name],
                    "out_of_range",
                    f"{name} {value}: a subscore is a percent of its range, "
                    "expected 0 to 100",
                )
        low, high = bounds.at_least, bounds.at_most
        if low is not None and high is not None and low > high:
            report(where, "never_true", f"at_least {low} is above at_most {high}")
    for name in ("flagged", "not_flagged"):
        match = getattr(when, name)
        if match is not None:
            _check_rule_ids(match, rules, [*loc, name], report)
    if when.flagged is not None:
        _check_flagged(when.flagged, when.not_flagged, rules, loc, report)


def _check_rule_ids(
    match: FlagMatch, rules: set[tuple[str, str]], loc: list[str | int], report: Report
) -> None:
    ids = {rule for rule, _ in rules}
    for index, rule_id in enumerate(match.rule_id):
        if rule_id not in ids:
            report(
                [*loc, "rule_id", index],
                "unknown_rule",
                f"rule id {rule_id!r} is not in the rule set",
            )


def _check_flagged(
    flagged: FlagMatch,
    excluded: FlagMatch | None,
    rules: set[tuple[str, str]],
    loc: list[str | int],
    report: Report,
) -> None:
    """Whether some rule an issued certificate can carry meets ``flagged``."""
    possible = [
        (rule, effect)
        for rule, effect in rules
        if flagged.matches(rule, effect) and effect in ISSUED_EFFECTS
    ]
    if not possible:
        report(
            [*loc, "flagged"],
            "never_true",
            "no rule that an issued certificate can carry meets this test (deny "
            "and review flags change the status; 'not_issued' answers those)",
        )
        return
    if excluded is not None and all(excluded.matches(*pair) for pair in possible):
        report(
            [*loc, "not_flagged"],
            "never_true",
            "every flag that meets 'flagged' is excluded by 'not_flagged'",
        )


def _check_members(policy: Policy, report: Report) -> None:
    for key in ("disclose", "view_fields"):
        for index, name in enumerate(getattr(policy, key)):
            problem = _member_problem(name, key)
            if problem:
                report([key, index], "schema", problem)


def _member_problem(name: str, key: str) -> str | None:
    top, _, sub = name.partition(".")
    if top in _NEVER_SHOWN:
        return f"{key} {name!r}: the {top} is never shown to a partner"
    if sub:
        if top != "subscores" or sub not in DIMENSIONS:
            return (
                f"{key} {name!r}: expected subscores.<dimension> with a dimension "
                f"of {', '.join(DIMENSIONS)}"
            )
        return None
    if key == "disclose" and top not in ("grade", "score", "expires_on"):
        return (
            f"disclose {name!r}: an answer may disclose grade, score, expires_on "
            "or subscores.<dimension>"
        )
    if top not in FIELDS:
        return f"{key} {name!r}: expected a certificate member ({', '.join(FIELDS)})"
    return None


def _check_examples(
    policy: Policy, rules: set[tuple[str, str]], report: Report
) -> None:
    ids = {rule for rule, _ in rules}
    for index, example in enumerate(policy.examples):
        where: list[Any] = ["examples", index, "certificate"]
        for dimension in example.certificate.subscores:
            if dimension not in DIMENSIONS:
                report(
                    [*where, "subscores", dimension],
                    "example",
                    f"dimension {dimension!r}: expected one of {', '.join(DIMENSIONS)}",
                )
        for position, rule_id in enumerate(example.certificate.flags):
            if rule_id not in ids:
                report(
                    [*where, "flags", position],
                    "example",
                    f"rule id {rule_id!r} is not in the rule set",
                )
