"""The decision log: an append-only hash chain of every business decision.

Each entry records one event (a certificate issued, denied, held for review,
superseded, revoked, disputed; a subject erased) with the pseudonym of its
subject and a body in canonical JSON: a digest of the inputs, the versions
of rule set, scorecard and templates, the fired rules with their traces, the
points and the reason codes. Entries are chained: an entry's hash covers the
previous entry's hash, so editing, deleting or reordering any entry breaks
the chain at a place :func:`check_chain` names. Signed checkpoints of the
head (:func:`checkpoint_document`) make truncation of the tail detectable.

Erasure without breaking the chain: an entry never holds input values in the
clear. When inputs must be kept (for replay), the body holds them *sealed*
(AES-256-GCM) under a key of their own per subject, kept outside the log in
the ``subject_keys`` table; erasure deletes the key, which leaves the sealed
bytes unreadable while every hash stays valid. The hashed form of an entry is::

    sha256(canonical_json([schema, prev_hash, at, kind, certificate_id,
                           subject, sha256(body)]))

Storage, appending and verifying against a database is
:class:`credcert.store.Store`'s job; this module is the format and the checks.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from credcert._errors import VerificationError
from credcert.signing import (
    PublicKeyRing,
    SigningKey,
    canonical_json,
    format_time,
    sign_document,
    verify_document,
)

__all__ = [
    "ENTRY_SCHEMA",
    "GENESIS",
    "PROBLEM_CODES",
    "LogEntry",
    "LogProblem",
    "chain",
    "check_chain",
    "check_checkpoints",
    "checkpoint_document",
    "entry_hash",
    "new_subject_key",
    "seal",
    "unseal",
]

ENTRY_SCHEMA = "credcert.decision-log/1"
CHECKPOINT_TYPE = "credcert.log-checkpoint/1"
#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64
#: What :func:`check_chain` and :func:`check_checkpoints` report.
PROBLEM_CODES = ("edited", "deleted", "reordered", "truncated", "checkpoint_invalid")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One event to append; ``body`` is canonical JSON text."""

    at: str
    kind: str
    certificate_id: str | None
    subject: str | None
    body: str


@dataclass(frozen=True, slots=True)
class LogProblem:
    """A break in the chain: the entry (by ``seq``) and what happened to it."""

    seq: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.code}: {self.message}"


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def entry_hash(prev_hash: str, entry: LogEntry) -> str:
    """The hash of ``entry`` chained after ``prev_hash``."""
    return _entry_hash(prev_hash, entry, body_digest(entry.body))


def _entry_hash(prev_hash: str, entry: LogEntry, digest: str) -> str:
    fields = [
        ENTRY_SCHEMA,
        prev_hash,
        entry.at,
        entry.kind,
        entry.certificate_id,
        entry.subject,
        digest,
    ]
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def chain(
    entries: Iterable[LogEntry], *, after_seq: int, after_hash: str
) -> list[dict[str, Any]]:
    """Rows for the ``decision_log`` table, chained after the current head."""
    rows = []
    prev = after_hash
    for seq, entry in enumerate(entries, start=after_seq + 1):
        digest = entry_hash(prev, entry)
        rows.append(
            {
                "seq": seq,
                "at": entry.at,
                "kind": entry.kind,
                "certificate_id": entry.certificate_id,
                "subject": entry.subject,
                "body": entry.body,
                "prev_hash": prev,
                "entry_hash": digest,
            }
        )
        prev = digest
    return rows


def _entry(row: Mapping[str, Any]) -> LogEntry:
    return LogEntry(
        row["at"], row["kind"], row["certificate_id"], row["subject"], row["body"]
    )


def check_chain(rows: Iterable[Mapping[str, Any]]) -> list[LogProblem]:
    """Every break in a log read in ``seq`` order, each naming its entry.

    ``edited``: the entry's content no longer has its hash, or (when the
    hash was recomputed too) the next entry no longer points at it.
    ``deleted``: entries are missing before this one (a gap in ``seq``, or a
    predecessor hash that is nowhere in the log). ``reordered``: the entry's
    predecessor is in the log, but not right before it.
    """
    table = [dict(r) for r in rows]
    position = {r["entry_hash"]: i for i, r in enumerate(table)}
    problems: list[LogProblem] = []
    expected, previous_seq = GENESIS, 0
    for i, row in enumerate(table):
        seq = row["seq"]
        if entry_hash(row["prev_hash"], _entry(row)) != row["entry_hash"]:
            problems.append(
                LogProblem(seq, "edited", "its content does not match its hash")
            )
        if row["prev_hash"] != expected:
            problems.append(_link_problem(table, position, i, previous_seq))
        expected, previous_seq = row["entry_hash"], seq
    return problems


def _link_problem(
    table: Sequence[Mapping[str, Any]],
    position: Mapping[str, int],
    i: int,
    previous_seq: int,
) -> LogProblem:
    row = table[i]
    seq = row["seq"]
    found = position.get(row["prev_hash"])
    if found is not None:
        return LogProblem(
            seq,
            "reordered",
            f"its predecessor is entry {table[found]['seq']}, not the entry before it",
        )
    if seq != previous_seq + 1:
        missing = f"{previous_seq + 1}" + (
            f" to {seq - 1}" if seq - 1 > previous_seq + 1 else ""
        )
        return LogProblem(seq, "deleted", f"entries {missing} before it are missing")
    if i == 0:
        return LogProblem(seq, "deleted", "the entries before it are missing")
    return LogProblem(
        previous_seq,
        "edited",
        f"entry {seq} does not point at it: it was changed and its hash "
        "recomputed, or replaced",
    )


# --- checkpoints -----------------------------------------------------------------


def checkpoint_document(
    seq: int, head_hash: str, key: SigningKey, at: dt.datetime
) -> dict[str, Any]:
    """A signed statement that the log's head was entry ``seq`` with a hash."""
    content = {
        "type": CHECKPOINT_TYPE,
        "seq": seq,
        "entry_hash": head_hash,
        "at": format_time(at),
    }
    return sign_document(content, key, at)


def check_checkpoints(
    rows: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Mapping[str, Any]],
    keys: PublicKeyRing | None,
) -> list[LogProblem]:
    """Problems found by comparing signed checkpoints with the log.

    A checkpoint whose entry is no longer in the log means the log was cut
    back (``truncated``); a checkpoint that fails verification with ``keys``
    is ``checkpoint_invalid``. Without ``keys`` signatures are not checked.
    """
    hashes = {r["entry_hash"]: r["seq"] for r in rows}
    head = max(hashes.values(), default=0)
    problems = []
    for point in checkpoints:
        document = json.loads(point["document"])
        if keys is not None:
            try:
                verify_document(document, keys)
            except VerificationError as exc:
                problem = LogProblem(point["seq"], "checkpoint_invalid", str(exc))
                problems.append(problem)
                continue
        if document.get("entry_hash") != point["entry_hash"]:
            problems.append(
                LogProblem(
                    point["seq"], "checkpoint_invalid", "row differs from document"
                )
            )
        elif point["entry_hash"] not in hashes:
            problems.append(
                LogProblem(
                    point["seq"],
                    "truncated",
                    f"a signed checkpoint saw this entry as the head; the log "
                    f"now ends at entry {head}",
                )
            )
    return problems


# --- sealed inputs -----------------------------------------------------------------


def new_subject_key() -> bytes:
    """A fresh 256-bit key for one subject's sealed inputs."""
    return secrets.token_bytes(32)


def seal(values: Mapping[str, Any], key: bytes, subject: str) -> str:
    """Input values encrypted under a subject's key, bound to the subject."""
    nonce = secrets.token_bytes(12)
    data = AESGCM(key).encrypt(nonce, canonical_json(dict(values)), subject.encode())
    return base64.b64encode(nonce + data).decode("ascii")


def unseal(token: str, key: bytes, subject: str) -> dict[str, Any]:
    """The values sealed by :func:`seal`; fails if the key was erased or wrong."""
    raw = base64.b64decode(token)
    plain = AESGCM(key).decrypt(raw[:12], raw[12:], subject.encode())
    values: dict[str, Any] = json.loads(plain)
    return values
