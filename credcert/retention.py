"""Held scoring inputs and their retention: negative information kept at most 5 years.

What is held. A certificate issued through the store seals its input values
(:data:`credcert.issue.SEALED_SCHEMA`) under the subject's key into its
decision-log entry. The log is append-only, so held inputs are never edited
in place; instead the newest readable sealed copy of a certificate's inputs
is the held one: either its own entry's ``sealed_inputs`` or a later
``retention`` entry's ``resealed`` map (:func:`held_inputs`).

Retention (征信业管理条例 第十六条). :func:`run_retention` finds, per subject,
held inputs with negative information older than 5 years
(:data:`subscribers.NEGATIVE_INFO_MAX_DAYS`) on the ``as_of`` date and
removes it. The contract dates negative information in two ways: the
record's ``earliest_negative_on`` (the oldest negative event counted) and
each field's window, read from its name (``_12m``, ``_24m``, ``_90d``), which
bounds how far before the evaluation date its events can lie. A negative
value (present, not 0 or false) is removed when its events may be older
than the cut-off: every one if the evaluation date itself is older; if only
``earliest_negative_on`` is, each field whose window starts before the
cut-off and each field without a window (its events are undated). This
errs towards removing; a field known to be recent is kept, and
``earliest_negative_on`` is moved to the oldest date the kept fields allow.

Removal is a crypto-shred: the subject gets a new key, every held input of
the subject is re-sealed under it (cleaned where needed) into one
``retention`` log entry, which names the removed fields with counts (never
values), and the old key is overwritten, leaving every earlier sealed copy
unreadable while the chain stays valid. Corrections of a removed field are
retired and their sealed values blanked; the others are re-sealed.

Known shortcomings: the signed certificate documents are kept as issued
(their points table shows the bin of each negative field), because changing
them would break their signatures; they expire after 90 days but stay in the
``certificates`` table. Remove with a retention period for expired documents
themselves. Certificates issued by the batch path hold no sealed inputs, so
there is nothing of theirs to clean.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, select, update

from credcert._errors import RequestError
from credcert.decision_log import ENTRY_SCHEMA, LogEntry, seal, unseal
from credcert.signing import canonical_json, format_time
from subscribers import FIELDS, NEGATIVE_INFO_MAX_DAYS

if TYPE_CHECKING:
    from credcert.store import Store

__all__ = [
    "NEGATIVE_FIELDS",
    "RetentionReport",
    "clean_negative",
    "held_inputs",
    "held_inputs_of_subject",
    "run_retention",
]

logger = logging.getLogger(__name__)

#: Input fields that record negative information.
NEGATIVE_FIELDS = tuple(s.name for s in FIELDS.inputs if s.negative)
_WINDOW = re.compile(r"_(\d+)(m|d)$")
#: The days a retention run may be judged on.
_EARLIEST, _LATEST = dt.date(2000, 1, 1), dt.date(2199, 12, 31)


def _window_start(name: str, evaluation: dt.date) -> dt.date | None:
    """The earliest day a windowed field's events can lie on (None: undated)."""
    match = _WINDOW.search(name)
    if match is None:
        return None
    size, unit = int(match.group(1)), match.group(2)
    days = size * 31 if unit == "m" else size  # a month counted long: errs early
    return evaluation - dt.timedelta(days=days)


def clean_negative(
    record: Mapping[str, Any], as_of: dt.date
) -> tuple[dict[str, Any], list[str]]:
    """A record's values (JSON form) without negative information over 5 years old.

    Returns the cleaned values and the names of the fields changed (the
    module docstring gives the rule).
    """
    out = dict(record)
    cutoff = as_of - dt.timedelta(days=NEGATIVE_INFO_MAX_DAYS)
    evaluation = dt.date.fromisoformat(out["evaluation_date"])
    earliest_text = out.get("earliest_negative_on")
    earliest = None if earliest_text is None else dt.date.fromisoformat(earliest_text)
    all_old = evaluation < cutoff
    if not all_old and (earliest is None or earliest >= cutoff):
        return out, []
    removed, kept_starts = [], []
    for name in NEGATIVE_FIELDS:
        value = out.get(name)
        if value is None or value is False or value == 0:
            continue
        start = _window_start(name, evaluation)
        if all_old or start is None or start < cutoff:
            out[name] = None
            removed.append(name)
        else:
            kept_starts.append(start)
    new_earliest = None
    if kept_starts and earliest is not None:
        new_earliest = max(earliest, min(kept_starts)).isoformat()
    if new_earliest != earliest_text:
        out["earliest_negative_on"] = new_earliest
        removed.append("earliest_negative_on")
    return out, removed


# --- held inputs -------------------------------------------------------------------


def _sealed_tokens(conn: Connection, subject: str) -> list[tuple[str, str]]:
    """``(certificate id, token)`` of every sealed copy of a subject, newest first."""
    from credcert.store._tables import decision_log

    rows = conn.execute(
        select(decision_log.c.certificate_id, decision_log.c.body)
        .where(decision_log.c.subject == subject)
        .order_by(decision_log.c.seq.desc())
    ).all()
    tokens: list[tuple[str, str]] = []
    for certificate_id, text in rows:
        if '"sealed_inputs":"' not in text and '"resealed"' not in text:
            continue
        body = json.loads(text)
        if certificate_id and isinstance(body.get("sealed_inputs"), str):
            tokens.append((certificate_id, body["sealed_inputs"]))
        for cid, token in (body.get("resealed") or {}).items():
            tokens.append((cid, token))
    return tokens


def held_inputs_of_subject(
    store: Store, subject: str, *, conn: Connection | None = None
) -> dict[str, dict[str, Any] | None]:
    """Certificate id -> held (unsealed) inputs of a subject; None if unreadable.

    A certificate is listed if any of its inputs were ever sealed; its value
    is None once the subject's key was erased or replaced since.
    """
    if conn is None:
        with store.engine.connect() as own:
            return held_inputs_of_subject(store, subject, conn=own)
    key = store.stored_subject_key(subject, conn=conn)
    held: dict[str, dict[str, Any] | None] = {}
    for cid, token in _sealed_tokens(conn, subject):
        if held.get(cid) is not None:
            continue
        held[cid] = _unseal(token, key, subject)
    return held


def held_inputs(
    store: Store,
    certificate_id: str,
    subject: str,
    *,
    conn: Connection | None = None,
) -> dict[str, Any] | None:
    """The held inputs of one certificate, or None (none sealed, or erased)."""
    return held_inputs_of_subject(store, subject, conn=conn).get(certificate_id)


def _unseal(token: str, key: bytes | None, subject: str) -> dict[str, Any] | None:
    if key is None:
        return None
    try:
        return unseal(token, key, subject)
    except (InvalidTag, ValueError):
        return None


# --- the job -----------------------------------------------------------------------


@dataclass
class RetentionReport:
    """What a retention run did: subjects cleaned, fields removed with counts."""

    as_of: dt.date
    subjects_checked: int = 0
    subjects_cleaned: int = 0
    certificates_cleaned: int = 0
    removed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "subjects_checked": self.subjects_checked,
            "subjects_cleaned": self.subjects_cleaned,
            "certificates_cleaned": self.certificates_cleaned,
            "removed": dict(sorted(self.removed.items())),
        }


def run_retention(
    store: Store, *, as_of: dt.date, at: dt.datetime, by: str = "retention-job"
) -> RetentionReport:
    """Remove negative information over 5 years old from every held input.

    Each subject is cleaned in its own serialised transaction; a run can be
    repeated (a clean subject is left alone). The run ends with a
    ``retention_run`` log entry holding the totals.
    """
    from credcert.store._tables import subject_keys

    if not _EARLIEST <= as_of <= _LATEST:
        raise RequestError(
            "range",
            f"as_of: expected a date from {_EARLIEST} to {_LATEST}; got {as_of}",
            field="as_of",
        )
    report = RetentionReport(as_of)
    with store.engine.connect() as conn:
        subjects = [r[0] for r in conn.execute(select(subject_keys.c.subject))]
    for subject in subjects:
        report.subjects_checked += 1
        with store.begin() as conn:
            removed = _clean_subject(store, conn, subject, as_of, at)
        if removed:
            report.subjects_cleaned += 1
            report.certificates_cleaned += removed.pop("", 0)
            for name, count in removed.items():
                report.removed[name] = report.removed.get(name, 0) + count
    body = {"schema": ENTRY_SCHEMA, "by": by, **report.to_json()}
    entry = LogEntry(format_time(at), "retention_run", None, None, _text(body))
    store.append_log([entry])
    logger.info(
        "retention run as of %s: %d subjects cleaned",
        as_of.isoformat(),
        report.subjects_cleaned,
    )
    return report


def _clean_subject(
    store: Store, conn: Connection, subject: str, as_of: dt.date, at: dt.datetime
) -> dict[str, int]:
    held = held_inputs_of_subject(store, subject, conn=conn)
    cleaned: dict[str, dict[str, Any]] = {}
    removed: dict[str, int] = {}
    touched = 0
    for cid, payload in held.items():
        if payload is None:
            continue
        values, names = clean_negative(payload["record"], as_of)
        cleaned[cid] = {**payload, "record": values}
        touched += bool(names)
        for name in names:
            removed[name] = removed.get(name, 0) + 1
    if not removed:
        return {}
    old_key = store.stored_subject_key(subject, conn=conn)
    key = store.replace_subject_key(subject, at, conn=conn)
    resealed = {cid: seal(p, key, subject) for cid, p in sorted(cleaned.items())}
    _reseal_corrections(conn, subject, old_key, key, set(removed), at)
    body = {
        "schema": ENTRY_SCHEMA,
        "as_of": as_of.isoformat(),
        "removed": dict(sorted(removed.items())),
        "resealed": resealed,
    }
    store.append_log(
        [LogEntry(format_time(at), "retention", None, subject, _text(body))], conn=conn
    )
    return {**removed, "": touched}


def _reseal_corrections(
    conn: Connection,
    subject: str,
    old_key: bytes | None,
    key: bytes,
    removed: set[str],
    at: dt.datetime,
) -> None:
    from credcert.store._tables import corrections

    rows = conn.execute(
        select(corrections.c.id, corrections.c.field, corrections.c.sealed).where(
            corrections.c.subject == subject
        )
    ).all()
    for row_id, name, token in rows:
        values = _unseal(token, old_key, subject)
        changes: dict[str, Any] = {}
        if values is None or name in removed:
            values = {"original": None, "corrected": None}
            changes["retired_at"] = format_time(at)
        changes["sealed"] = seal(values, key, subject)
        conn.execute(
            update(corrections).where(corrections.c.id == row_id).values(**changes)
        )


def _text(value: Mapping[str, Any]) -> str:
    return canonical_json(dict(value)).decode("utf-8")
