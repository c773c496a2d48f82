"""Signatures: canonical JSON, Merkle proofs, key rotation, exact failure reasons."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import stat
from typing import Any

import pytest

from credcert._errors import KeyRingError, VerificationError
from credcert.signing import (
    KeyRing,
    PublicKeyRing,
    canonical_json,
    content_digest,
    merkle_proofs,
    merkle_root,
    sign_document,
    sign_documents,
    verify_document,
)
from credcert.signing import _root_from_proof as root_from_proof
from tests.certificates.fixtures import T0


def _rfc6962_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH written from the definition, as an independent check."""
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    left, right = _rfc6962_root(leaves[:k]), _rfc6962_root(leaves[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def _signed(keyring: KeyRing, n: int = 5) -> list[dict[str, Any]]:
    docs = [{"id": f"c{i}", "score": 600.5 + i, "text": "按时缴费"} for i in range(n)]
    blocks = sign_documents([content_digest(d) for d in docs], keyring.active(), T0)
    return [{**d, "signature": b} for d, b in zip(docs, blocks, strict=True)]


def test_canonical_json_sorts_keys_and_keeps_chinese() -> None:
    assert canonical_json({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_json({"x": float("nan")})


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 33])
def test_merkle_root_follows_rfc6962(size: int) -> None:
    leaves = [bytes([i]) * 4 for i in range(size)]
    assert merkle_root(leaves) == _rfc6962_root(leaves)


@pytest.mark.parametrize("size", [1, 2, 3, 6, 7, 17])
def test_every_inclusion_proof_leads_to_the_root(size: int) -> None:
    leaves = [bytes([i]) for i in range(size)]
    root, proofs = merkle_proofs(leaves)
    found = [
        root_from_proof(x, i, size, p)
        for i, (x, p) in enumerate(zip(leaves, proofs, strict=True))
    ]
    assert found == [root] * size


def test_single_document_verifies(keyring: KeyRing) -> None:
    doc = sign_document({"id": "x", "score": 612.0}, keyring.active(), T0)
    assert verify_document(doc, keyring.public()).kid == keyring.active().kid


def test_each_batch_document_verifies_on_its_own(keyring: KeyRing) -> None:
    public = keyring.public()
    assert all(verify_document(d, public).tree_size == 5 for d in _signed(keyring))


def _tampered(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict:
    out = copy.deepcopy(doc)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("score",), 999.0, "content_altered"),
        (("signature", "leaf_index"), 2, "proof_invalid"),
        (("signature", "root"), "00" * 32, "proof_invalid"),
        (("signature", "tree_size"), 6, "bad_signature"),
        (("signature", "signed_at"), "2026-12-01T09:00:00Z", "bad_signature"),
        (("signature", "kid"), "ed25519-0000000000000000", "unknown_key"),
        (("signature", "proof"), "nope", "malformed"),
    ],
)
def test_tampered_document_fails_with_its_reason(
    keyring: KeyRing, path: tuple[str, ...], value: Any, code: str
) -> None:
    doc = _tampered(_signed(keyring)[1], path, value)
    with pytest.raises(VerificationError, match=rf"^{code}:"):
        verify_document(doc, keyring.public())


def test_content_changed_with_its_digest_fails_the_proof(keyring: KeyRing) -> None:
    doc = _signed(keyring)[1]
    doc["score"] = 999.0
    doc["signature"]["content_digest"] = content_digest(
        {k: v for k, v in doc.items() if k != "signature"}
    )
    with pytest.raises(VerificationError, match=r"^proof_invalid:"):
        verify_document(doc, keyring.public())


def test_forged_root_signature_fails(keyring: KeyRing) -> None:
    doc = _signed(keyring)[0]
    other = _signed(keyring, 2)[0]["signature"]["root_signature"]
    doc["signature"]["root_signature"] = other
    with pytest.raises(VerificationError, match=r"^bad_signature:"):
        verify_document(doc, keyring.public())


def test_document_without_signature_is_malformed(keyring: KeyRing) -> None:
    with pytest.raises(VerificationError, match=r"^malformed: expected a 'signature'"):
        verify_document({"id": "x"}, keyring.public())


def test_rotation_keeps_old_documents_verifiable(keyring: KeyRing) -> None:
    doc = sign_document({"id": "x"}, keyring.active(), T0)
    keyring.rotate(now=T0 + dt.timedelta(hours=1))
    reopened = KeyRing.open(keyring.folder)
    assert verify_document(doc, reopened.public()).signed_at == T0


def test_rotation_makes_a_new_active_key(keyring: KeyRing) -> None:
    old = keyring.active().kid
    keyring.rotate(now=T0)
    assert keyring.active().kid != old


def test_retired_key_signing_after_its_window_is_rejected(keyring: KeyRing) -> None:
    old = keyring.active()
    keyring.rotate(now=T0)
    late = sign_document({"id": "x"}, old, T0 + dt.timedelta(days=1))
    with pytest.raises(VerificationError, match=r"^key_not_valid:"):
        verify_document(late, keyring.public())


def test_private_key_file_is_owner_only(keyring: KeyRing) -> None:
    path = keyring.folder / f"{keyring.active().kid}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_exported_ring_verifies_offline(keyring: KeyRing) -> None:
    exported = keyring.export_public(keyring.folder.parent / "public.json")
    doc = sign_document({"id": "x"}, keyring.active(), T0)
    assert verify_document(doc, PublicKeyRing.from_file(exported)).content_digest


def test_exported_ring_has_no_private_key(keyring: KeyRing) -> None:
    exported = keyring.export_public(keyring.folder.parent / "public.json")
    assert "PRIVATE" not in exported.read_text()


def test_empty_ring_without_create_has_no_active_key(credcert_home) -> None:
    ring = KeyRing.open(credcert_home / "empty", create=False)
    with pytest.raises(KeyRingError, match="no active signing key"):
        ring.active()
