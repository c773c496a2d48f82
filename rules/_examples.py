"""Running the examples embedded in rule files through the engine."""

from __future__ import annotations

from dataclasses import dataclass

from rules._engine import RuleEngine
from rules._errors import RuleEngineError, RuleInputError
from rules._load import RuleSet
from rules._schema import Example, Rule

__all__ = ["ExampleResult", "run_examples"]


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """Whether one embedded example holds when run through durable_rules.

    ``error`` says why the example could not run, if it could not.
    """

    rule: Rule
    example: Example
    fired: bool
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.fired == self.example.fires

    def __str__(self) -> str:
        where = f"{self.rule.file}:{self.rule.line} [{self.rule.key}]"
        if self.error:
            return f"{where} example {self.example.name!r}: {self.error}"
        expected = "fire" if self.example.fires else "not fire"
        got = "fired" if self.fired else "did not fire"
        return f"{where} example {self.example.name!r}: expected to {expected}, {got}"


def run_examples(ruleset: RuleSet) -> list[ExampleResult]:
    """Run every rule's examples on the first day the rule is in force.

    Each example is evaluated with the whole rule set of that day, and holds
    when its rule fires exactly if the example says it does.
    """
    engines: dict[object, RuleEngine] = {}
    results = []
    try:
        for rule in ruleset.rules:
            day = rule.effective_from
            if day not in engines:
                engines[day] = RuleEngine(ruleset, on=day)
            for example in rule.examples:
                results.append(_run(engines[day], rule, example))
    finally:
        for engine in engines.values():
            engine.close()
    return results


def _run(engine: RuleEngine, rule: Rule, example: Example) -> ExampleResult:
    try:
        fired = rule.id in engine.fired_ids(example.facts)
    except (RuleInputError, RuleEngineError) as exc:
        return ExampleResult(rule, example, False, str(exc))
    return ExampleResult(rule, example, fired)
