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
from credcert.decision_log import LogEntry
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
    from credcert.store import Store

#: Certificate status of a rule outcome's status; the worse of grade and cap.
combine_status = status_of
cap = capped

__all__ = [
    "DEFAULT_VALID_DAYS",
    "Issued",
    "Issuer",
    "certificate_id",
    "certificate_row",
    "combine_status",
    "issue_certificate",
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


@dataclass(frozen=True)
class Issued:
    """A signed certificate: its canonical JSON text and its log entry."""

    text: str
    entry: LogEntry

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
        values = {k: v for k, v in record.__dict__.items() if k not in _PERSONAL}
        outcome = self.rules.evaluate(record)
        decision = self.decide(outcome, record.__dict__)
        stamp = format_time(at)
        cid = certificate_id or certificate_id_for(subject, stamp)
        head, tail, status, codes = self.encoder.content(
            certificate_id=cid,
            subject=subject,
            issued_at=stamp,
            issued_on=at.date(),
            evaluation_date=record.evaluation_date.isoformat(),
            sources=sources_json(_sources(values, record.evaluation_date)),
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
        )
        entry = LogEntry(stamp, status, cid, subject, body)
        logger.info("certificate %s %s", cid, status)
        return Issued(text, entry)

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
    values: Mapping[str, Any], evaluation: dt.date
) -> list[tuple[str, str | None, int | None]]:
    out: list[tuple[str, str | None, int | None]] = []
    for source in _SOURCES:
        day = values[as_of_column(source)]
        if day is None:
            out.append((source.value, None, None))
        else:
            out.append((source.value, day.isoformat(), (evaluation - day).days))
    return out


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
