"""Why a certificate got its answer and what would change it, for subscriber and agent.

For a certificate that is not ``issued`` the explanation says what its status
means and lists the certificate's own reasons. Otherwise it names:

- the tests of the ``decide`` entry that gave the answer (when that entry has
  a ``when``), e.g. "the grade is E";
- the nearest better answer (the first entry whose answer means something
  better: positive over refer over negative) and each of its tests that does
  not hold, e.g. "the fulfilment subscore is 42% of its range; this needs at
  least 50%".

What would change each test comes from the certificate's own suggestions
(made by the explanation layer): every suggestion for a grade test, those
on the dimension's features for a subscore test, those on the fields a rule
flag fired on for a flag test. Nothing is invented here; the phrases that
frame them are templates in ``phrases.yaml``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

from credcert.policies._evaluate import Facts, decide, facts_of, failures
from credcert.policies._schema import MEANINGS, Entry, Policy, When
from subscribers import FIELDS, Dimension

__all__ = ["AnswerExplanation", "Condition", "explain_answer"]

LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of a policy entry, as it stands for the certificate.

    Attributes
    ----------
    test : str
        ``grade``, ``grade_not``, ``subscores``, ``flagged`` or ``not_flagged``.
    met : bool
    text : dict
        ``{"zh": ..., "en": ...}``: the test and the certificate's value.
    suggestions : tuple of dict
        The certificate's suggestions that bear on the test (code, feature,
        points_gain, months, text), most points first.
    """

    test: str
    met: bool
    text: dict[str, str]
    suggestions: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class AnswerExplanation:
    """A scenario answer explained for the subscriber and the agent."""

    scenario: str
    policy_version: int
    answer: str
    label: dict[str, str]
    meaning: str
    status: str
    question: dict[str, str]
    reason: dict[str, str]
    status_text: dict[str, str] | None
    given_by: tuple[Condition, ...]
    better_answer: str | None
    better_label: dict[str, str] | None
    unmet: tuple[Condition, ...]
    certificate_reasons: tuple[dict[str, str], ...]

    def lines(self, lang: str = "zh") -> list[str]:
        """The explanation as plain sentences in ``lang`` (zh or en)."""
        if lang not in LANGUAGES:
            raise ValueError(f"lang: expected one of {LANGUAGES}; got {lang!r}")
        say = _phrases()["lines"]
        out = [
            _render(
                say["given"][lang],
                question=self.question[lang],
                answer=self.label[lang],
                reason=self.reason[lang],
            )
        ]
        if self.status_text is not None:
            out.append(
                _render(say["because_status"][lang], text=self.status_text[lang])
            )
            out += [f"- {r[lang]}" for r in self.certificate_reasons]
        for condition in self.given_by:
            out.append(_render(say["because_met"][lang], text=condition.text[lang]))
            out += _suggestion_lines(condition, lang, say)
        for condition in self.unmet:
            assert self.better_label is not None
            better = self.better_label[lang]
            out.append(
                _render(say["better"][lang], answer=better, text=condition.text[lang])
            )
            out += _suggestion_lines(condition, lang, say)
        return out

    def to_json(self) -> dict[str, Any]:
        """The explanation as a JSON object (for the console and the API)."""
        return asdict(self)


def _suggestion_lines(
    condition: Condition, lang: str, say: Mapping[str, Any]
) -> list[str]:
    if not condition.suggestions:
        return [f"  {say['no_suggestion'][lang]}"]
    return [f"  {say['suggest'][lang]}"] + [
        f"  - {s['text'][lang]}" for s in condition.suggestions
    ]


def explain_answer(
    policy: Policy,
    certificate: Mapping[str, Any],
    *,
    at: dt.datetime,
    status: str | None = None,
) -> AnswerExplanation:
    """Explain the answer ``policy`` gives for ``certificate`` at ``at``.

    Parameters are those of :func:`credcert.policies.answer` (without the key
    and partner): the explanation is of the same decision.

    Examples
    --------
    >>> text = explain_answer(policy, certificate, at=now).lines("en")  # doctest: +SKIP
    """
    facts = facts_of(certificate, on=at.date(), status=status)
    decision = decide(policy, facts)
    option = decision.option
    common: dict[str, Any] = {
        "scenario": policy.scenario,
        "policy_version": policy.version,
        "answer": decision.answer,
        "label": option.label.model_dump(),
        "meaning": option.meaning,
        "status": decision.status,
        "question": policy.question.model_dump(),
        "reason": option.reason.model_dump(),
    }
    if decision.entry is None:
        reasons = tuple(
            {"zh": r["text"]["zh"], "en": r["text"]["en"]}
            for r in certificate.get("reasons") or ()
        )
        return AnswerExplanation(
            **common,
            status_text=dict(_phrases()["status"][decision.status]),
            given_by=(),
            better_answer=None,
            better_label=None,
            unmet=(),
            certificate_reasons=reasons,
        )
    context = _Context(facts, certificate)
    matched = policy.decide[decision.entry]
    better = _better_entry(policy, option.meaning)
    given: tuple[Condition, ...] = ()
    if matched.when is not None and (better is None or better[0] > decision.entry):
        given = tuple(_met(matched.when, context))
    unmet: tuple[Condition, ...] = ()
    if better is not None:
        unmet = tuple(_unmet(better[1].when, context))
    return AnswerExplanation(
        **common,
        status_text=None,
        given_by=given,
        better_answer=None if better is None else better[1].answer,
        better_label=(
            None
            if better is None
            else policy.answers[better[1].answer].label.model_dump()
        ),
        unmet=unmet,
        certificate_reasons=(),
    )


def _better_entry(policy: Policy, meaning: str) -> tuple[int, Entry] | None:
    """The first entry whose answer means something better than ``meaning``."""
    rank = MEANINGS.index(meaning)
    for wanted in MEANINGS[:rank]:
        for index, entry in enumerate(policy.decide):
            if policy.answers[entry.answer].meaning == wanted:
                return index, entry
    return None


class _Context:
    """The certificate's facts plus what the explanation reads around them."""

    def __init__(self, facts: Facts, certificate: Mapping[str, Any]) -> None:
        self.facts = facts
        self.suggestions: list[dict[str, Any]] = sorted(
            certificate.get("suggestions") or (),
            key=lambda s: -float(s.get("points_gain") or 0),
        )
        self.flags = {str(f["rule_id"]): f for f in certificate.get("flags") or ()}

    def for_dimension(self, dimension: str) -> tuple[dict[str, Any], ...]:
        return tuple(
            s
            for s in self.suggestions
            if s["feature"] in FIELDS and _dimension(s["feature"]) == dimension
        )

    def for_flags(self, rule_ids: Sequence[str]) -> tuple[dict[str, Any], ...]:
        fields = {
            step["field"]
            for rule_id in rule_ids
            for step in self.flags[rule_id].get("trace") or ()
            if step.get("result")
        }
        return tuple(s for s in self.suggestions if s["feature"] in fields)


def _dimension(feature: str) -> str | None:
    spec = FIELDS[feature]
    return None if spec.dimension is None else spec.dimension.value


def _unmet(when: When | None, context: _Context) -> list[Condition]:
    if when is None:
        return []
    out = []
    for failure in failures(when, context.facts):
        if failure.test == "subscores":
            assert failure.dimension is not None
            out.append(_subscore(when, failure.dimension, context, met=False))
        elif failure.test == "not_flagged":
            out.append(_flags("not_flagged", failure.rules, when, context, met=False))
        elif failure.test == "flagged":
            out.append(_flags("flagged", (), when, context, met=False))
        else:
            out.append(_grade(failure.test, when, context, met=False))
    return out


def _met(when: When, context: _Context) -> list[Condition]:
    out = []
    if when.grade is not None:
        out.append(_grade("grade", when, context, met=True))
    if when.grade_not is not None:
        out.append(_grade("grade_not", when, context, met=True))
    for dimension in when.subscores or {}:
        out.append(_subscore(when, dimension, context, met=True))
    if when.flagged is not None:
        hit = [r for r, e in context.facts.flags if when.flagged.matches(r, e)]
        out.append(_flags("flagged", hit, when, context, met=True))
    if when.not_flagged is not None:
        out.append(_flags("not_flagged", (), when, context, met=True))
    return out


def _grade(test: str, when: When, context: _Context, *, met: bool) -> Condition:
    text = _texts(
        test,
        met,
        grade=context.facts.grade,
        wanted=list(when.grade or ()),
        excluded=list(when.grade_not or ()),
    )
    return Condition(test, met, text, tuple(context.suggestions))


def _subscore(when: When, dimension: str, context: _Context, *, met: bool) -> Condition:
    bounds = (when.subscores or {})[dimension]
    text = _texts(
        "subscores",
        met,
        dimension=dimension,
        dimension_zh=Dimension(dimension).zh,
        value=context.facts.subscores.get(dimension),
        at_least=bounds.at_least,
        at_most=bounds.at_most,
    )
    return Condition("subscores", met, text, context.for_dimension(dimension))


def _flags(
    test: str, rule_ids: Sequence[str], when: When, context: _Context, *, met: bool
) -> Condition:
    match = when.flagged if test == "flagged" else when.not_flagged
    assert match is not None
    titles = [context.flags[r]["title"] for r in rule_ids]
    text = _texts(
        test,
        met,
        wanted=[*match.rule_id, *match.effect],
        titles_zh=[f"{t['zh']}（{r}）" for t, r in zip(titles, rule_ids, strict=True)],
        titles_en=[f"{t['en']} ({r})" for t, r in zip(titles, rule_ids, strict=True)],
    )
    return Condition(test, met, text, context.for_flags(rule_ids))


def _texts(test: str, met: bool, **values: Any) -> dict[str, str]:
    templates = _phrases()["tests"][test]["met" if met else "unmet"]
    return {lang: _render(templates[lang], **values) for lang in LANGUAGES}


@functools.cache
def _phrases() -> dict[str, Any]:
    path = Path(__file__).with_name("phrases.yaml")
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


_ENV = Environment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@functools.cache
def _template(source: str) -> Template:
    return _ENV.from_string(source)


def _render(source: str, **values: Any) -> str:
    return _template(source).render(**values)
