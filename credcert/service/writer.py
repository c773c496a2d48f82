"""Group commit: one thread issues and writes certificates, many at a time.

Requests hand the :class:`CertificateWriter` a *job*: a function that
prepares one certificate in a given write transaction (reads the ledgers,
scores, signs) and returns a :class:`Prepared` row and decision-log entry.
The writer thread opens one transaction for everything queued (up to
``group_max``), runs the jobs one after the other in arrival order, saves
all their certificates - supersession, rows, the chained log entries and
each job's own in-transaction step (e.g. queueing a held certificate for
review) - commits, and only then answers each waiting request. So a request
is acknowledged only after its certificate and log entry are durable, the
ledgers a certificate was issued under are the ones committed with it,
appends to the hash chain are serialised, and one commit serves many
requests.

A job that raises a domain error (bad purpose, a record the contract
refuses) fails only its own request. If the group's transaction fails in
the database, its jobs are run again one group each, so one bad row fails
only its own request too.
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
from sqlalchemy.exc import SQLAlchemyError

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


Job = Callable[[Connection], Prepared]
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
        logger.info(
            "certificate writer stopped: %d certificates in %d transactions",
            self.saved,
            self.groups,
        )

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
            try:
                self._write(group)
            except Exception as exc:  # never let the thread die with work waiting
                logger.error("writer failed on a group: %s", type(exc).__name__)
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            if stop:
                return

    def _write(self, group: Sequence[_Item]) -> None:
        try:
            ready = self._commit(group)
        except Exception as exc:
            if len(group) == 1:
                logger.error("certificate write failed: %s", type(exc).__name__)
                group[0][1].set_exception(exc)
                return
            logger.warning(
                "group of %d failed (%s); writing one by one",
                len(group),
                type(exc).__name__,
            )
            for item in group:
                if not item[1].done():  # a job's own failure is answered
                    self._write([item])
            return
        self.groups += 1
        self.saved += len(ready)
        for prepared, done in ready:
            done.set_result(prepared)

    def _commit(self, group: Sequence[_Item]) -> list[_Ready]:
        """Prepare and save a group in one transaction; the prepared ones.

        A job's own failure is answered to it at once (it saved nothing);
        a database failure aborts the transaction and is raised.
        """
        ready: list[_Ready] = []
        with self.store.begin() as conn:
            for job, done in group:
                try:
                    ready.append((job(conn), done))
                except SQLAlchemyError:
                    raise
                except Exception as exc:  # the job's own failure, answered to it
                    done.set_exception(exc)
            prepared = [p for p, _ in ready]
            for rows, entries in _rounds(prepared):
                self.store.save_certificates(rows, entries, conn=conn)
            for item in prepared:
                if item.in_transaction is not None:
                    item.in_transaction(conn)
        return ready


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
