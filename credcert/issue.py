"""Issuing: one validated subscriber record in, one signed certificate out.

The pipeline is: pseudonymise the subscription at the edge, evaluate the
rules, score, combine the two by the documented precedence, explain, sign,
and (with a store) save with supersession and a decision-log entry.

Precedence of rule effects over the score, strongest first:

1. ``deny``: status ``denied``; no score, grade, subscores or points are
   issued; the reasons state every deny rule with its legal basis.
2. ``review``: status ``review``; the certificate is held for a person. It
   carries the score and the (possibly capped) grade for the reviewer.
3. ``cap_grade``: status ``issued``; the grade is the worse of the score's
   grade and the lowest cap of any fired rule.
4. ``flag`` or nothing: status ``issued`` with the score's grade.

Every fired rule is listed in ``flags`` with its effect and trace, whatever
the status. Certificate ids and issue times come from the caller (the batch
context), never from a clock inside the pipeline, so the same inputs, ids
and time give a byte-identical certificate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from credcert._encode import (
    CertificateEncoder,
    Decision,
    capped,
    digest_text,
    sources_json,
    status_of,
)
from credcert._errors import IssueError
from credcert._explainer import Explainer, LayerExplainer
from credcert.certificate import CERTIFICATE_SCHEMA, Certificate
from credcert.decision_log import LogEntry, seal
from credcert.pseudonym import Pseudonymizer
from credcert.signing import (
    KeyRing,
    SigningKey,
    canonical_json,
    format_time,
    sign_documents,
)
from rules import RuleEngine, RuleOutcome
from scorecard import ScorecardArtifact, score_subject
from subscribers import (
    FIELDS,
    PERSONAL_COLUMNS,
    FieldKind,
    RecordError,
    Source,
    SubscriberRecord,
    as_of_column,
    record_columns,
    validate_record,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from credcert.store import Store

#: Certificate status of a rule outcome's status; the worse of grade and cap.
combine_status = status_of
cap = capped

__all__ = [
    "DEFAULT_VALID_DAYS",
    "SEALED_SCHEMA",
    "IssueContext",
    "Issued",
    "Issuer",
    "Replayed",
    "certificate_id",
    "certificate_row",
    "combine_status",
    "issue_certificate",
    "issue_prepared",
    "issue_stored",
    "record_from_sealed",
    "replay",
]

logger = logging.getLogger(__name__)

#: Days a certificate is valid from its issue date.
DEFAULT_VALID_DAYS = 90
_PERSONAL = PERSONAL_COLUMNS
_SOURCES = tuple(Source)


def certificate_id(batch_id: str, index: int) -> str:
    """The id of the ``index``-th certificate of a batch: opaque, deterministic."""
    digest = hashlib.sha256(f"{batch_id}:{index}".encode()).hexdigest()
    return f"cc-{digest[:24]}"


#: Record columns an input digest covers, in order (identifiers excluded).
DIGEST_COLUMNS = tuple(c for c in record_columns() if c not in PERSONAL_COLUMNS)
_FLOATS = frozenset(s.name for s in FIELDS.inputs if s.kind is FieldKind.FLOAT)


def input_digest(values: Mapping[str, Any], subject: str) -> str:
    """Digest of a record's inputs, its identifiers replaced by the subject.

    ``sha256`` of the canonical JSON array ``[subject, value, ...]`` over
    :data:`DIGEST_COLUMNS` (dates as ISO text, missing as null); batch
    issuing computes the same digest from columns.
    """
    row: list[Any] = [subject]
    for name in DIGEST_COLUMNS:
        value = values.get(name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif value is not None and name in _FLOATS:
            value = float(value)
        row.append(value)
    return digest_row(row)


def digest_row(row: list[Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of an input row."""
    return "sha256:" + hashlib.sha256(canonical_json(row)).hexdigest()


#: Schema of the inputs sealed into a certificate's decision-log entry.
SEALED_SCHEMA = "credcert.sealed-inputs/1"
#: Stand-ins for the identifiers a record needs to validate when it is rebuilt
#: from sealed inputs; the subject is already known, so they are never used.
_STAND_IN = {"msisdn": "13000000000", "subscription_id": "sealed-inputs"}


@dataclass(frozen=True)
class IssueContext:
    """What the certificate store adds to a record before it is issued.

    Attributes
    ----------
    excluded : mapping
        Data source name -> ``{"reason": ..., "since": ISO date or None}`` for
        each source whose category was left out (consent ledger).
    hold : bool
        Send the certificate to human review whatever the rules say
        (automated issuing is switched off).
    corrections : tuple of int
        Ids of the dispute corrections applied to the record.
    """

    excluded: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    hold: bool = False
    corrections: tuple[int, ...] = ()


@dataclass(frozen=True)
class Issued:
    """A signed certificate: its canonical JSON text and its log entry.

    ``automated_status`` is the status the rules alone would have given
    (``issued``, ``denied`` or ``review``); it differs from the document's
    only when the certificate was held because automated issuing is off.
    """

    text: str
    entry: LogEntry
    automated_status: str | None = None

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        """The certificate as a JSON object (parsed on first use)."""
        parsed: dict[str, Any] = json.loads(self.text)
        return parsed

    @property
    def certificate(self) -> Certificate:
        """The document as the typed model."""
        return Certificate.model_validate(self.document)


class Issuer:
    """Everything needed to issue certificates, prepared once.

    Parameters
    ----------
    rules : RuleEngine
    scorecard : ScorecardArtifact
    pseudonymizer : Pseudonymizer
    keys : KeyRing or SigningKey
        The active key of a ring signs.
    explainer : Explainer, optional
        Reasons and suggestions; the ``explain`` layer's by default.
    valid_days : int
        Days from the issue date to expiry.
    templates_version : str, optional
        Overrides the explainer's templates version in ``versions``.
    """

    def __init__(
        self,
        *,
        rules: RuleEngine,
        scorecard: ScorecardArtifact,
        pseudonymizer: Pseudonymizer,
        keys: KeyRing | SigningKey,
        explainer: Explainer | None = None,
        valid_days: int = DEFAULT_VALID_DAYS,
    ) -> None:
        self.rules = rules
        self.scorecard = scorecard
        self.pseudonymizer = pseudonymizer
        self.key = keys.active() if isinstance(keys, KeyRing) else keys
        self.explainer: Explainer = explainer or LayerExplainer(scorecard)
        self.valid_days = valid_days
        self.versions: dict[str, str] = {
            "certificate_schema": CERTIFICATE_SCHEMA,
            "ruleset": f"{rules.ruleset.name}@{rules.ruleset.version}",
            "scorecard": f"{scorecard.name}@{scorecard.scorecard_version}",
            "templates": self.explainer.templates_version,
        }
        self.encoder = CertificateEncoder(
            scorecard, self.explainer, self.versions, valid_days
        )

    def issue(
        self,
        record: Any,
        *,
        at: dt.datetime,
        certificate_id: str | None = None,
    ) -> Issued:
        """Issue and sign one certificate for a validated record.

        Parameters
        ----------
        record : SubscriberRecord or mapping
            A mapping is validated against the data contract first.
        at : datetime
            The issue time (aware); from the caller, never a clock here.
        certificate_id : str, optional
            Derived from the subject and time when omitted.

        Raises
        ------
        IssueError
            If the record breaks the data contract (personal fields are
            named with their expected form, never their value).
        """
        record = _validated(record)
        subject = self.pseudonymizer.subject(record.msisdn, record.activated_on)
        return self.issue_for(
            record, subject=subject, at=at, certificate_id=certificate_id
        )

    def issue_for(
        self,
        record: Any,
        *,
        subject: str,
        at: dt.datetime,
        certificate_id: str | None = None,
        context: IssueContext | None = None,
        sealing_key: bytes | None = None,
    ) -> Issued:
        """Issue for a validated record whose subject pseudonym is known.

        ``context`` carries what the store decided before issuing (sources
        left out, a hold for review, corrections applied). With a
        ``sealing_key`` the record's inputs and the context are sealed into
        the log entry (:data:`SEALED_SCHEMA`), so the decision can be
        replayed, corrected and exported, and erased by deleting the key.
        """
        context = context or IssueContext()
        values = {k: v for k, v in record.__dict__.items() if k not in _PERSONAL}
        outcome = self.rules.evaluate(record)
        automated = status_of(outcome.status)
        if context.hold and outcome.status != "review":
            outcome = dataclasses.replace(outcome, status="review")
        decision = self.decide(outcome, record.__dict__)
        stamp = format_time(at)
        cid = certificate_id or certificate_id_for(subject, stamp)
        sources = _sources(values, record.evaluation_date, context.excluded)
        head, tail, status, codes = self.encoder.content(
            certificate_id=cid,
            subject=subject,
            issued_at=stamp,
            issued_on=at.date(),
            evaluation_date=record.evaluation_date.isoformat(),
            sources=sources_json(sources),
            decision=decision,
        )
        digest = digest_text(f"{head},{tail}")
        (block,) = sign_documents([digest], self.key, at)
        text = f'{head},"signature":{canonical_json(block).decode()},{tail}'
        grade = None
        if decision.grade is not None:
            grade = capped(decision.grade, decision.grade_cap)
        body = self.encoder.log_body(
            input_digest=input_digest(values, subject),
            content_digest=digest,
            status=status,
            decision=decision,
            grade=grade,
            codes=codes,
            sealed_inputs=None
            if sealing_key is None
            else seal(sealed_payload(values, context), sealing_key, subject),
        )
        entry = LogEntry(stamp, status, cid, subject, body)
        logger.info("certificate %s %s", cid, status)
        return Issued(text, entry, automated)

    def decide(self, outcome: RuleOutcome, features: Mapping[str, Any]) -> Decision:
        """Combine a rule outcome with the score of ``features`` (none if denied)."""
        if outcome.status == "deny":
            return Decision(
                outcome.status,
                outcome.grade_cap,
                outcome.fired,
                None,
                None,
                None,
                None,
                None,
            )
        score = score_subject(self.scorecard, features)
        return Decision(
            outcome.status,
            outcome.grade_cap,
            outcome.fired,
            [score.bins[name] for name in self.encoder.features],
            [score.dimension_points[d] for d in self.encoder.dimensions],
            [score.dimension_percent[d] for d in self.encoder.dimensions],
            score.score,
            score.grade,
        )


def certificate_id_for(subject: str, stamp: str) -> str:
    """Id of a certificate issued alone: from its subject and issue time."""
    return certificate_id(f"single:{stamp}", int(subject[4:20], 16))


def _sources(
    values: Mapping[str, Any],
    evaluation: dt.date,
    excluded: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for source in _SOURCES:
        day = values[as_of_column(source)]
        if excluded and source.value in excluded:
            out.append((source.value, None, None, excluded[source.value]))
        elif day is None:
            out.append((source.value, None, None))
        else:
            out.append((source.value, day.isoformat(), (evaluation - day).days))
    return out


def sealed_payload(values: Mapping[str, Any], context: IssueContext) -> dict[str, Any]:
    """What is sealed for a certificate: its input values and the context.

    Values are those of :data:`DIGEST_COLUMNS` (no identifiers), dates as
    ISO text, after the consent ledger and corrections were applied, i.e.
    exactly what was scored.
    """
    record: dict[str, Any] = {}
    for name in DIGEST_COLUMNS:
        value = values.get(name)
        record[name] = value.isoformat() if isinstance(value, dt.date) else value
    return {
        "schema": SEALED_SCHEMA,
        "record": record,
        "excluded": {k: dict(v) for k, v in context.excluded.items()},
        "hold": context.hold,
        "corrections": list(context.corrections),
    }


def record_from_sealed(payload: Mapping[str, Any]) -> tuple[Any, IssueContext]:
    """The validated record and context of an unsealed payload.

    The record is validated with stand-in identifiers (the subject is known
    from the log entry), which are never pseudonymised, stored or logged.
    """
    if payload.get("schema") != SEALED_SCHEMA:
        raise IssueError(
            f"sealed inputs: expected schema {SEALED_SCHEMA!r}; got "
            f"{payload.get('schema')!r}"
        )
    record = _validated({**payload["record"], **_STAND_IN})
    context = IssueContext(
        excluded=payload["excluded"],
        hold=bool(payload["hold"]),
        corrections=tuple(payload["corrections"]),
    )
    return record, context


def _validated(record: Any) -> Any:
    if isinstance(record, SubscriberRecord):
        return record
    if not isinstance(record, Mapping):
        raise IssueError(
            f"record: expected a SubscriberRecord or a mapping; got "
            f"{type(record).__name__}"
        )
    try:
        return validate_record(record)
    except RecordError as exc:
        raise IssueError(str(exc)) from None


def certificate_row(
    document: Mapping[str, Any],
    *,
    batch_id: str | None = None,
    chunk_index: int | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    """The ``certificates`` table row of a signed certificate document."""
    return {
        "id": document["id"],
        "subject": document["subject"],
        "status": document["status"],
        "issued_status": document["status"],
        "score": document["score"],
        "grade": document["grade"],
        "issued_at": document["issued_at"],
        "expires_on": dt.date.fromisoformat(document["expires_on"]),
        "evaluation_date": dt.date.fromisoformat(document["evaluation_date"]),
        "batch_id": batch_id,
        "chunk_index": chunk_index,
        "key_id": document["signature"]["kid"],
        "content_digest": document["signature"]["content_digest"],
        "superseded_by": None,
        "status_changed_at": document["issued_at"],
        "document": text if text is not None else canonical_json(document).decode(),
    }


def issue_certificate(
    record: Any,
    *,
    rules: RuleEngine,
    scorecard: ScorecardArtifact,
    keys: KeyRing | SigningKey,
    pseudonymizer: Pseudonymizer,
    at: dt.datetime,
    explainer: Explainer | None = None,
    store: Store | None = None,
    certificate_id: str | None = None,
) -> Certificate:
    """Issue one certificate for a validated record; save it if given a store.

    A convenience over :class:`Issuer` for one subject: with a ``store`` the
    certificate is saved, any live certificate of the same subject is
    superseded (or revoked, if this one is denied), and the decision log
    gets the entries. For many subjects build one :class:`Issuer`, or use
    :func:`credcert.batch.issue_file`.

    Examples
    --------
    >>> cert = issue_certificate(record, rules=engine, scorecard=card,
    ...                          keys=ring, pseudonymizer=p, at=now)  # doctest: +SKIP
    >>> cert.status, cert.grade  # doctest: +SKIP
    ('issued', 'B')
    """
    issuer = Issuer(
        rules=rules,
        scorecard=scorecard,
        pseudonymizer=pseudonymizer,
        keys=keys,
        explainer=explainer,
    )
    issued = issuer.issue(record, at=at, certificate_id=certificate_id)
    if store is not None:
        row = certificate_row(issued.document, text=issued.text)
        store.save_certificates([row], [issued.entry])
    return issued.certificate


def issue_prepared(
    issuer: Issuer,
    store: Store,
    record: Any,
    *,
    at: dt.datetime,
    purpose: str = "credit_certificate",
    certificate_id: str | None = None,
    conn: Connection | None = None,
) -> Issued:
    """Issue one subject's certificate with the store's ledgers; the caller saves it.

    Applies the consent ledger for ``purpose``
    (:func:`credcert.consent.apply_consents`) and the subject's standing
    dispute corrections (:func:`credcert.disputes.apply_corrections`), holds
    the certificate for review if automated issuing is off
    (:func:`credcert.review.automated_issuing`), and seals the inputs under
    the subject's key (created on first use). The caller saves the result
    (``Store.save_certificates`` or the service's group-commit writer); the
    review queue reads held certificates from the store. With ``conn`` the
    ledgers are read in the caller's write transaction (the service's writer
    prepares a whole group in one); otherwise in a transaction of its own.

    Raises
    ------
    IssueError
        The record breaks the data contract.
    ConsentError
        ``purpose`` is not a known purpose.
    """
    from credcert import consent, disputes  # they import this module

    if conn is None:
        with store.begin() as own:
            return issue_prepared(
                issuer,
                store,
                record,
                at=at,
                purpose=purpose,
                certificate_id=certificate_id,
                conn=own,
            )
    record = _validated(record)
    subject = issuer.pseudonymizer.subject(record.msisdn, record.activated_on)
    consent.check_purpose(purpose)
    key, automated, pending = _subject_state(conn, subject)
    if key is None:
        key = store.create_subject_key(subject, at, conn=conn)
    record, excluded = consent.apply_consents(
        store, record, subject, purpose, at, conn=conn
    )
    applied: tuple[int, ...] = ()
    if pending:
        record, applied = disputes.apply_corrections(
            store, record, subject, at, key=key, conn=conn
        )
    context = IssueContext(excluded=excluded, hold=not automated, corrections=applied)
    return issuer.issue_for(
        record,
        subject=subject,
        at=at,
        certificate_id=certificate_id,
        context=context,
        sealing_key=key,
    )


def _subject_state(conn: Connection, subject: str) -> tuple[bytes | None, bool, bool]:
    """The subject's sealing key, whether automated issuing is on, and whether
    the subject has standing corrections: one round trip."""
    row = conn.execute(_subject_state_query(), {"subject": subject}).one()
    automated = True if row[1] is None else bool(json.loads(row[1]))
    return (None if row[0] is None else bytes(row[0])), automated, bool(row[2])


@functools.cache
def _subject_state_query() -> Any:
    """Built once: a statement built per call costs ~90 µs, a prebuilt one
    with bound parameters ~15 µs (SQLAlchemy's compiled cache)."""
    from sqlalchemy import bindparam, exists, select

    from credcert.review import AUTOMATED_ISSUING
    from credcert.store._tables import corrections, settings, subject_keys

    subject: Any = bindparam("subject")
    key = select(subject_keys.c.key).where(subject_keys.c.subject == subject)
    switch = (
        select(settings.c.value)
        .where(settings.c.name == AUTOMATED_ISSUING)
        .order_by(settings.c.id.desc())
        .limit(1)
    )
    pending = exists().where(
        corrections.c.subject == subject, corrections.c.retired_at.is_(None)
    )
    return select(key.scalar_subquery(), switch.scalar_subquery(), pending)


def issue_stored(
    issuer: Issuer,
    store: Store,
    record: Any,
    *,
    at: dt.datetime,
    purpose: str = "credit_certificate",
    certificate_id: str | None = None,
) -> Issued:
    """:func:`issue_prepared`, then save (superseding the live certificate)."""
    issued = issue_prepared(
        issuer, store, record, at=at, purpose=purpose, certificate_id=certificate_id
    )
    row = certificate_row(issued.document, text=issued.text)
    store.save_certificates([row], [issued.entry])
    return issued


@dataclass(frozen=True)
class Replayed:
    """A logged decision run again: the logged and the replayed content digest."""

    certificate_id: str
    logged_digest: str
    replayed_digest: str
    document: dict[str, Any]

    @property
    def matches(self) -> bool:
        return self.logged_digest == self.replayed_digest


def replay(store: Store, issuer: Issuer, certificate_id: str) -> Replayed:
    """Re-run a logged decision from its sealed inputs and compare digests (DESIGN 6a).

    ``issuer`` must carry the rule set and scorecard versions the entry
    names (archived ones for an old certificate), with the rules in force on
    the certificate's issue date. The replay uses the entry's certificate
    id, subject and time, so an unchanged pipeline gives the same content
    digest. A certificate decided by a reviewer is replayed by replaying the
    held one and applying the same review decision.

    Raises
    ------
    ReplayError
        No logged decision for the id, no sealed inputs (batch-issued, or
        erased), or versions other than the issuer's.
    """
    from credcert._errors import ReplayError
    from credcert.retention import held_inputs
    from credcert.review import reviewed_content
    from credcert.signing import content_digest, parse_time, unsigned

    entry = _decision_entry(store, certificate_id)
    body = json.loads(entry["body"])
    for name, version in body["versions"].items():
        if issuer.versions.get(name) != version:
            raise ReplayError(
                "version_mismatch",
                f"certificate {certificate_id}: decided with {name} {version!r}; "
                f"the issuer has {issuer.versions.get(name)!r}",
                field="versions",
            )
    at = parse_time(entry["at"])
    review = body.get("review")
    if review is not None:
        held = replay(store, issuer, review["held_certificate"])
        stored = store.certificate(certificate_id).document
        content = reviewed_content(
            held.document,
            final_status=stored["status"],
            note=stored["review"],
            certificate_id=certificate_id,
            at=at,
        )
        return Replayed(
            certificate_id, body["content_digest"], content_digest(content), content
        )
    payload = held_inputs(store, certificate_id, entry["subject"])
    if payload is None:
        raise ReplayError(
            "no_sealed_inputs",
            f"certificate {certificate_id}: no readable sealed inputs (issued "
            "in a batch, or the subject's key was erased or replaced)",
            field="certificate_id",
        )
    record, context = record_from_sealed(payload)
    issued = issuer.issue_for(
        record,
        subject=entry["subject"],
        at=at,
        certificate_id=certificate_id,
        context=context,
    )
    document = unsigned(issued.document)
    return Replayed(
        certificate_id,
        body["content_digest"],
        issued.document["signature"]["content_digest"],
        document,
    )


def _decision_entry(store: Store, certificate_id: str) -> dict[str, Any]:
    from sqlalchemy import select

    from credcert._errors import ReplayError
    from credcert.store._tables import decision_log

    with store.engine.connect() as conn:
        row = conn.execute(
            select(decision_log)
            .where(decision_log.c.certificate_id == certificate_id)
            .where(decision_log.c.kind.in_(("issued", "denied", "review")))
            .order_by(decision_log.c.seq)
            .limit(1)
        ).first()
    if row is None:
        raise ReplayError(
            "not_logged",
            f"certificate {certificate_id}: no issuing decision in the log",
            field="certificate_id",
        )
    return dict(row._mapping)
