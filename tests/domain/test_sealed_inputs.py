"""Sealed inputs: issuing through the store seals them, replay reproduces the digest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credcert._errors import ReplayError
from credcert.issue import Issuer, issue_stored, replay
from credcert.retention import held_inputs
from credcert.store import Store
from tests.domain.helpers import HOUR, T0


def _body(store: Store, certificate_id: str) -> dict[str, Any]:
    rows = [r for r in store.log_rows() if r["certificate_id"] == certificate_id]
    return json.loads(rows[0]["body"])


def test_issuing_through_the_store_seals_the_inputs(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issued = issue_stored(issuer, store, records[0], at=T0)
    sealed = _body(store, issued.document["id"])["sealed_inputs"]
    assert isinstance(sealed, str)
    assert str(records[0].tenure_months) not in sealed.split('"')  # not in the clear


def test_held_inputs_are_the_scored_values_without_identifiers(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issued = issue_stored(issuer, store, records[0], at=T0)
    subject = issued.document["subject"]
    payload = held_inputs(store, issued.document["id"], subject)
    assert payload is not None
    assert payload["record"]["tenure_months"] == records[0].tenure_months
    assert "msisdn" not in payload["record"]
    assert "subscription_id" not in payload["record"]


def test_the_batch_path_does_not_seal(issuer: Issuer, records: list[Any]) -> None:
    issued = issuer.issue(records[0], at=T0)
    assert json.loads(issued.entry.body)["sealed_inputs"] is None


def test_replay_gives_the_logged_content_digest(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    for i, record in enumerate(records[:6]):
        issue_stored(issuer, store, record, at=T0 + i * HOUR)
    ids = [c for (c,) in _ids(store)]
    results = [replay(store, issuer, cid) for cid in ids]
    assert [r.matches for r in results] == [True] * len(ids)


def _ids(store: Store) -> list[tuple[str]]:
    from sqlalchemy import select

    from credcert.store._tables import certificates

    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(certificates.c.id))]


def test_replay_after_erasure_says_the_inputs_are_gone(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issued = issue_stored(issuer, store, records[0], at=T0)
    store.erase_subject(issued.document["subject"], T0 + HOUR)
    with pytest.raises(ReplayError, match="no readable sealed inputs"):
        replay(store, issuer, issued.document["id"])
    assert store.verify_log() == []


def test_replay_with_another_scorecard_version_is_refused(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issued = issue_stored(issuer, store, records[0], at=T0)
    issuer.versions = {**issuer.versions, "scorecard": "other@9"}
    with pytest.raises(ReplayError, match="decided with scorecard") as info:
        replay(store, issuer, issued.document["id"])
    assert info.value.code == "version_mismatch"


def test_replay_of_an_unknown_certificate_is_refused(
    store: Store, issuer: Issuer
) -> None:
    with pytest.raises(ReplayError, match="no issuing decision") as info:
        replay(store, issuer, "cc-nope")
    assert info.value.code == "not_logged"
