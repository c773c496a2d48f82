"""Evaluating subjects one by one on durable_rules, with a trace per fired rule.

The engine drives durable_rules' compiled engine (``durable_rules_engine``,
the C core that ``durable.engine.Host`` wraps) directly: it asserts each
subject as one fact under a session id of its own, collects the rules whose
actions the engine starts, and deletes the session. That is the same rule
matching as ``Host`` at twice the speed, without Host's timer threads.

Measured behaviour of durable_rules 2.0.28 and what the engine does about it:

* ``post()`` lets one rule consume an event: subjects are asserted as facts,
  one session per subject, and the session is deleted afterwards, so no
  state leaks from one subject to the next;
* an identical fact asserted twice raises: session ids never repeat;
* deleting a session that matched nothing can crash: a catch-all rule (see
  :mod:`rules._compile`) makes every subject match;
* deleting a session whose actions were not all taken aborts the process
  (measured here): every action is taken first, also when an error cuts the
  loop short;
* comparing a field with a constant of another type (an integer with the
  string ``"90"``) aborts the process: rules are checked before compiling;
* an ``any`` fires once per true branch: fired rules are deduplicated;
* an exception inside an action is swallowed by ``Host``: no Python runs
  inside the engine here, and any error while building the outcome is raised;
* comparisons coerce strings, booleans and null: facts are checked and typed
  by :func:`rules._facts.subject_facts` first;
* batch calls and threads are unsafe: one engine per process, see
  :mod:`rules._batch`.

Each fired rule's condition is re-evaluated in Python for the trace; if that
does not come out true, the engine raises rather than report a rule it
cannot explain.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Mapping
from typing import Any

# The compiled core of durable_rules ships no type information.
import durable_rules_engine as _dre  # type: ignore[import-not-found]

from rules._compile import CATCH_ALL, MARKER, compile_rules
from rules._errors import RuleEngineError
from rules._facts import as_mapping, encode_subject, field_specs
from rules._load import RuleSet
from rules._logic import evaluate, leaves
from rules._outcome import FiredRule, RuleOutcome, combine
from rules._schema import Rule

__all__ = ["DURABLE_RULES_VERSION", "RuleEngine"]

logger = logging.getLogger(__name__)

#: The durable_rules release this engine is written against (pinned in
#: pyproject.toml); its measured behaviour is listed in this module's docstring.
DURABLE_RULES_VERSION = "2.0.28"
_NOT_HANDLED, _OBSERVED = 1, 2
_names = itertools.count()


class RuleEngine:
    """Evaluate subjects against the rules of a rule set in force on one day.

    Parameters
    ----------
    ruleset : RuleSet
        The rule set, from :func:`rules.load_ruleset`.
    on : datetime.date, optional
        The day whose rules apply (each rule's effective dates); today if
        omitted.

    Attributes
    ----------
    rules_ : tuple of Rule
        The rules in force on ``on``, in rule-set order.

    Notes
    -----
    The engine applies the rules of one day. Records evaluated on different
    dates need one engine per date (building one takes about a millisecond);
    a per-record choice of rules waits until batches mix evaluation dates.

    One engine runs in one thread. durable_rules' engine is not safe across
    threads; evaluate in parallel with :func:`rules.evaluate_batch`, which
    gives each process its own engine.

    Examples
    --------
    >>> import datetime as dt
    >>> from rules import RuleEngine, load_ruleset
    >>> engine = RuleEngine(load_ruleset(), on=dt.date(2026, 12, 1))
    >>> outcome = engine.evaluate({"fraud_sms_confirmed": True,
    ...                            "real_name_verified": True})
    >>> outcome.status, outcome.rule_ids
    ('deny', ('CMP-001',))
    """

    def __init__(self, ruleset: RuleSet, *, on: dt.date | None = None) -> None:
        self.ruleset = ruleset
        self.on = on if on is not None else dt.date.today()
        self.rules_ = ruleset.rules_on(self.on)
        compiled = compile_rules(self.rules_)
        self._rules = compiled.rules
        used = {leaf.field for rule in self.rules_ for leaf in leaves(rule.when)}
        self._specs = field_specs(used)
        name = f"credcert-{ruleset.name}-{next(_names)}"
        self._handle = _dre.create_ruleset(name, compiled.definition)
        self._sids = itertools.count(1)
        logger.debug(
            "compiled %d rules of %s %s for %s",
            len(self.rules_),
            ruleset.name,
            ruleset.version,
            self.on,
        )

    def evaluate(self, subject: Any) -> RuleOutcome:
        """Evaluate one subject.

        Parameters
        ----------
        subject : SubscriberRecord or mapping
            A validated record, or a mapping of rule fields (inputs and
            context) to values; fields left out count as missing.

        Returns
        -------
        RuleOutcome
            Status, grade cap and every fired rule with its trace.

        Raises
        ------
        RuleInputError
            If the facts break the data contract.
        RuleEngineError
            If durable_rules fails or fires a rule whose condition is not true.
        """
        fired = (FiredRule.of(rule, trace) for rule, trace in self.traced(subject))
        return combine(fired, self.ruleset.version)

    def traced(self, subject: Any) -> list[tuple[Rule, list[tuple[Any, ...]]]]:
        """Fired rules, each with its trace as plain tuples, for batch workers.

        Each trace entry is ``(field, op, value, input, result)``.
        """
        facts = as_mapping(subject)
        fired = []
        for name in self._fire(facts):
            rule = self._rules[name]
            trace: list[tuple[Any, ...]] = []
            if evaluate(rule.when, facts, trace) is not True:
                raise RuleEngineError(
                    f"durable_rules fired {rule.key} but its condition is not true "
                    "for these facts"
                )
            fired.append((rule, trace))
        return fired

    def fired_ids(self, subject: Any) -> list[str]:
        """Ids of the rules that fire for a subject, without traces."""
        return [self._rules[name].id for name in self._fire(as_mapping(subject))]

    def _fire(self, facts: Mapping[str, Any]) -> list[str]:
        """Names of the durable_rules rules that fire, once each, in rule order."""
        handle = self._handle
        if handle is None:
            raise RuleEngineError("the engine is closed; build a new RuleEngine")
        sid = str(next(self._sids))
        text = encode_subject(facts, sid, MARKER, self._specs)
        try:
            code, state = _dre.assert_fact(handle, text)
        except Exception as exc:
            raise RuleEngineError(f"durable_rules rejected a subject: {exc}") from None
        seen: set[str] = set()
        in_progress = False
        try:
            if code in (_NOT_HANDLED, _OBSERVED):
                raise RuleEngineError(
                    f"durable_rules did not take the subject (code "
                    f"{code}); the catch-all rule should match it"
                )
            result = _dre.start_action_for_state(handle, state)
            while result:
                in_progress = True
                message = result[1]
                seen.add(message[2 : message.index('"', 2)])
                following = _dre.complete_and_start_action(handle, state)
                in_progress = False
                result = (None, following) if following else None
        finally:
            self._close_session(sid, state, in_progress)
        seen.discard(CATCH_ALL)
        return sorted(seen, key=lambda name: int(name[1:]))

    def _close_session(self, sid: str, state: int, in_progress: bool) -> None:
        """Take every pending action of a session, then delete the session.

        Deleting a session whose actions were not all taken aborts the whole
        process in durable_rules 2.0.28; if the actions cannot be taken, the
        session is left in place (a small leak) rather than deleted.
        """
        handle = self._handle
        try:
            if in_progress:
                while _dre.complete_and_start_action(handle, state):
                    pass
            while _dre.start_action_for_state(handle, state):
                while _dre.complete_and_start_action(handle, state):
                    pass
        except Exception:
            logger.warning("left one session in durable_rules: its actions failed")
            return
        _dre.delete_state(handle, sid)

    def close(self) -> None:
        """Release the compiled ruleset inside durable_rules."""
        if self._handle is not None:
            _dre.delete_ruleset(self._handle)
            self._handle = None

    def __enter__(self) -> RuleEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
