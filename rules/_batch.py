"""Evaluating many subjects in parallel: one process per core, one engine each.

durable_rules 2.0.28 is not safe across threads and its batch calls are not
safe either, so parallel work is split by process: each worker builds its own
:class:`~rules._engine.RuleEngine` once and evaluates chunks of subjects one
by one. Chunks go out in order and a bounded number is in flight, so memory
stays flat however many subjects stream through.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any

import pandas as pd

from rules._engine import RuleEngine
from rules._load import RuleSet
from rules._outcome import FiredRule, RuleOutcome, combine
from rules._vector import facts_frame

__all__ = ["evaluate_batch", "facts_records"]

#: The worker's engine, built once per process by :func:`_start_worker`.
_ENGINE: RuleEngine | None = None
Compact = list[tuple[str, tuple[tuple[Any, ...], ...]]]


def facts_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The facts of each row of a frame of records (or facts), as plain dicts.

    Missing values become ``None`` and values native Python types, ready for
    :meth:`rules.RuleEngine.evaluate`.
    """
    facts = facts_frame(frame)
    names = list(facts.columns)
    columns = [_native(facts[name]) for name in names]
    for row in zip(*columns, strict=True):
        yield dict(zip(names, row, strict=True))


def _native(column: pd.Series) -> list[Any]:
    return column.astype(object).where(column.notna(), None).tolist()


def evaluate_batch(
    ruleset: RuleSet,
    subjects: Iterable[Any],
    *,
    on: dt.date | None = None,
    processes: int | None = None,
    chunk_size: int = 10_000,
) -> Iterator[RuleOutcome]:
    """Evaluate subjects across processes, yielding outcomes in input order.

    Parameters
    ----------
    ruleset : RuleSet
    subjects : DataFrame or iterable of SubscriberRecord or mapping
        A frame of records or facts (sent to workers in slices, turned into
        facts there: the fastest way in), or subjects consumed lazily.
    on : datetime.date, optional
        The day whose rules apply; today if omitted.
    processes : int, optional
        Worker processes; the number of cores if omitted. ``1`` evaluates in
        this process.
    chunk_size : int
        Subjects per task sent to a worker.

    Yields
    ------
    RuleOutcome
        One per subject, the same as :meth:`rules.RuleEngine.evaluate` gives.

    Raises
    ------
    RuleInputError
        If a subject's facts break the data contract (from the worker).
    """
    day = on if on is not None else dt.date.today()
    workers = processes or os.cpu_count() or 1
    chunks: Iterator[Any]
    if isinstance(subjects, pd.DataFrame):
        # Only rule fields travel to the workers: no identifiers, less to pickle.
        chunks = _frame_chunks(facts_frame(subjects), chunk_size)
    else:
        chunks = _chunks(subjects, chunk_size)
    if workers == 1:
        with RuleEngine(ruleset, on=day) as engine:
            for chunk in chunks:
                yield from (engine.evaluate(subject) for subject in _subjects(chunk))
        return
    rules = {rule.key: rule for rule in ruleset.rules}
    context = _context()
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(ruleset, day)
    ) as pool:
        pending: deque[Future[list[Compact]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_evaluate_chunk, chunk))
            if len(pending) >= 2 * workers:
                yield from _expand(pending.popleft().result(), rules, ruleset.version)
        while pending:
            yield from _expand(pending.popleft().result(), rules, ruleset.version)


def _context() -> multiprocessing.context.BaseContext:
    """Processes started by a fork server that has imported this package once.

    A fork server is single-threaded, so forking from it is safe whatever
    threads the caller runs, and its workers start without importing pandas
    and pydantic again. Where there is no fork server, workers are spawned.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["rules"])
        return context
    return multiprocessing.get_context("spawn")


def _chunks(subjects: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(subjects)
    while chunk := list(islice(iterator, size)):
        yield [_as_facts(subject) for subject in chunk]


def _frame_chunks(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]


def _subjects(chunk: Any) -> Iterable[Any]:
    """Subjects of a chunk: a frame slice is turned into facts here, in the worker."""
    return facts_records(chunk) if isinstance(chunk, pd.DataFrame) else chunk


def _as_facts(subject: Any) -> Any:
    facts = getattr(subject, "facts", None)
    if callable(facts) and not isinstance(subject, Mapping):
        return facts()
    return subject


def _start_worker(ruleset: RuleSet, day: dt.date) -> None:
    global _ENGINE
    _ENGINE = RuleEngine(ruleset, on=day)


def _evaluate_chunk(chunk: Any) -> list[Compact]:
    """Outcomes of a chunk in a compact form that pickles fast."""
    assert _ENGINE is not None
    return [
        [(rule.key, tuple(trace)) for rule, trace in _ENGINE.traced(subject)]
        for subject in _subjects(chunk)
    ]


def _expand(
    compact: list[Compact], rules: dict[str, Any], version: str
) -> Iterator[RuleOutcome]:
    passed = combine((), version)
    for fired in compact:
        if not fired:
            yield passed
            continue
        yield combine(
            (FiredRule.of(rules[key], trace) for key, trace in fired),
            version,
        )
