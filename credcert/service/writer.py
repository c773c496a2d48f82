"""Group commit: one thread writes issued certificates, many requests at a time.

Requests hand a signed certificate row and its decision-log entry to the
:class:`CertificateWriter` and wait. The writer takes everything queued (up
to ``group_max``), saves it in one transaction - supersession, certificate
rows and the chained log entries together - commits, and only then answers
each waiting request. So a request is acknowledged only after its
certificate and log entry are durable, appends to the hash chain are
serialised, and one commit serves many requests.

If a group's transaction fails, each of its certificates is retried alone,
so one bad row fails only its own request.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from credcert.decision_log import LogEntry
from credcert.store import Store

__all__ = ["CertificateWriter", "WriterStoppedError"]

logger = logging.getLogger(__name__)

_Item = tuple[Mapping[str, Any], LogEntry, "Future[None]"]
_STOP = object()


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

    def submit(self, row: Mapping[str, Any], entry: LogEntry) -> Future[None]:
        """Queue one certificate row and its log entry; the future ends on commit."""
        if not self.running:
            raise WriterStoppedError("the certificate writer is not running")
        done: Future[None] = Future()
        self._queue.put((row, entry, done))
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
        try:
            self._commit(group)
        except Exception as exc:
            if len(group) == 1:
                logger.error("certificate write failed: %s", type(exc).__name__)
                group[0][2].set_exception(exc)
                return
            logger.warning(
                "group of %d failed (%s); writing one by one",
                len(group),
                type(exc).__name__,
            )
            for item in group:
                self._write([item])
            return
        self.groups += 1
        self.saved += len(group)
        for _, _, done in group:
            done.set_result(None)

    def _commit(self, group: Sequence[_Item]) -> None:
        with self.store.begin() as conn:
            for rows, entries in _rounds(group):
                self.store.save_certificates(rows, entries, conn=conn)


def _rounds(
    group: Sequence[_Item],
) -> list[tuple[list[Mapping[str, Any]], list[LogEntry]]]:
    """Split a group so that no subject appears twice in one round.

    :meth:`Store.save_certificates` supersedes the live certificates already
    stored; two new certificates of one subject must be saved one after the
    other, in arrival order, so that the later supersedes the earlier.
    """
    rounds: list[tuple[list[Mapping[str, Any]], list[LogEntry]]] = []
    seen: list[set[str]] = []
    for row, entry, _ in group:
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
