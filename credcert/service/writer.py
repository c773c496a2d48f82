"""Group commit: one thread issues and writes certificates, many at a time.

Requests hand the :class:`CertificateWriter` a *job*: a function that
prepares one certificate (reads the ledgers, scores, signs) and returns a
:class:`Prepared` row and decision-log entry. The writer thread runs the
jobs queued (up to ``group_max``) one after the other, saves all their
certificates in one transaction - supersession, rows, the chained log
entries and each job's own in-transaction step (e.g. queueing a held
certificate for review) - commits, and only then answers each waiting
request. So a request is acknowledged only after its certificate and log
entry are durable, appends to the hash chain are serialised, and one commit
serves many requests.

A job that raises fails only its own request. If a group's transaction
fails, each of its certificates is retried alone, so one bad row fails only
its own request too.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from credcert.decision_log import LogEntry
from credcert.store import Store

__all__ = ["CertificateWriter", "Prepared", "WriterStoppedError"]

logger = logging.getLogger(__name__)

_STOP = object()


@dataclass(frozen=True)
class Prepared:
    """A certificate ready to save.

    Attributes
    ----------
    row : mapping
        Its ``certificates`` row.
    entry : LogEntry
        Its decision-log entry.
    in_transaction : callable, optional
        Run with the connection after the certificate is saved, in the same
        transaction.
    result : object
        Whatever the job wants back (e.g. the issued certificate).
    """

    row: Mapping[str, Any]
    entry: LogEntry
    in_transaction: Callable[[Connection], None] | None = None
    result: Any = None


Job = Callable[[], Prepared]
_Item = tuple[Job, "Future[Prepared]"]
_Ready = tuple[Prepared, "Future[Prepared]"]


class WriterStoppedError(RuntimeError):
    """The writer is not running; nothing was saved."""


class CertificateWriter:
    """Save certificates in groups from one thread.

    Parameters
    ----------
    store : Store
    group_max : int
        Most certificates committed in one transaction.
    """

    def __init__(self, store: Store, *, group_max: int = 256) -> None:
        self.store = store
        self.group_max = group_max
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.groups = 0
        self.saved = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the writing thread (does nothing if it runs)."""
        with self._lock:
            if self.running:
                return
            self._thread = threading.Thread(
                target=self._run, name="credcert-writer", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._queue.put(_STOP)
        thread.join()

    def submit(self, job: Job) -> Future[Prepared]:
        """Queue a job; the future gives its :class:`Prepared` once committed."""
        if not self.running:
            raise WriterStoppedError("the certificate writer is not running")
        done: Future[Prepared] = Future()
        self._queue.put((job, done))
        return done

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group: list[_Item] = [first]
            stop = False
            while len(group) < self.group_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                group.append(item)
            self._write(group)
            if stop:
                return

    def _write(self, group: Sequence[_Item]) -> None:
        ready: list[_Ready] = []
        for job, done in group:
            try:
                ready.append((job(), done))
            except Exception as exc:  # the job's own failure, answered to it
                done.set_exception(exc)
        if ready:
            self._save(ready)

    def _save(self, ready: Sequence[_Ready]) -> None:
        try:
            self._commit([prepared for prepared, _ in ready])
        except Exception as exc:
            if len(ready) == 1:
                logger.error("certificate write failed: %s", type(exc).__name__)
                ready[0][1].set_exception(exc)
                return
            logger.warning(
                "group of %d failed (%s); writing one by one",
                len(ready),
                type(exc).__name__,
            )
            for item in ready:
                self._save([item])
            return
        self.groups += 1
        self.saved += len(ready)
        for prepared, done in ready:
            done.set_result(prepared)

    def _commit(self, group: Sequence[Prepared]) -> None:
        with self.store.begin() as conn:
            for rows, entries in _rounds(group):
                self.store.save_certificates(rows, entries, conn=conn)
            for prepared in group:
                if prepared.in_transaction is not None:
                    prepared.in_transaction(conn)


def _rounds(
    group: Sequence[Prepared],
) -> list[tuple[list[Mapping[str, Any]], list[LogEntry]]]:
    """Split a group so that no subject appears twice in one round.

    :meth:`Store.save_certificates` supersedes the live certificates already
    stored; two new certificates of one subject must be saved one after the
    other, in arrival order, so that the later supersedes the earlier.
    """
    rounds: list[tuple[list[Mapping[str, Any]], list[LogEntry]]] = []
    seen: list[set[str]] = []
    for prepared in group:
        row, entry = prepared.row, prepared.entry
        subject = row["subject"]
        # the round after this subject's latest keeps arrival order per subject
        index = 1 + max((i for i, s in enumerate(seen) if subject in s), default=-1)
        if index == len(rounds):
            rounds.append(([], []))
            seen.append(set())
        rounds[index][0].append(row)
        rounds[index][1].append(entry)
        seen[index].add(subject)
    return rounds
