"""Signatures: canonical JSON, Ed25519 key ring with rotation, Merkle batch signing.

Every signed document (a certificate, a partner view) is a JSON object whose
``signature`` member signs everything else. Signing works on Merkle trees in
the manner of certificate-transparency logs (RFC 6962 hashing): a batch of
documents becomes a tree whose leaves are the documents' content digests, the
root is signed once with Ed25519, and each document carries its inclusion
proof. A document signed alone is a tree of one leaf, so there is one format
and one verifier, and every document verifies on its own, offline, with the
public key ring.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8 (Chinese text
unescaped), no NaN or infinity, floats in Python's shortest round-trip form.

Key ring on disk (under ``$CREDCERT_HOME/keys``)::

    keyring.json       public: key id, public key, valid from / until, status
    <key id>.key       private key (PKCS#8 PEM), mode 0600, never exported

Rotation retires the active key (its validity ends now) and creates a new one;
retired public keys stay in the ring so older documents keep verifying.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from credcert._config import home, write_private
from credcert._errors import KeyRingError, VerificationError

__all__ = [
    "FAILURE_CODES",
    "KEYRING_FILE",
    "KeyRing",
    "PublicKey",
    "PublicKeyRing",
    "SigningKey",
    "Verified",
    "canonical_json",
    "content_digest",
    "format_time",
    "merkle_proofs",
    "merkle_root",
    "parse_time",
    "sign_document",
    "sign_documents",
    "signature_texts",
    "unsigned",
    "verify_document",
]

logger = logging.getLogger(__name__)

KEYRING_FILE = "keyring.json"
KEYRING_SCHEMA = "credcert.keyring/1"
SIGNATURE_SCHEMA = "credcert.merkle-signature/1"
ROOT_TYPE = "credcert.merkle-root/1"
_ALG = "Ed25519"

#: Why verification can fail, in the order the checks run.
FAILURE_CODES: tuple[str, ...] = (
    "malformed",
    "unknown_key",
    "content_altered",
    "proof_invalid",
    "key_not_valid",
    "bad_signature",
)


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``value`` (sorted keys, no spaces)."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def content_digest(content: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``content``."""
    return "sha256:" + hashlib.sha256(canonical_json(content)).hexdigest()


def unsigned(document: Mapping[str, Any]) -> dict[str, Any]:
    """The signed content of a document: every member but ``signature``."""
    return {k: v for k, v in document.items() if k != "signature"}


def format_time(moment: dt.datetime) -> str:
    """An aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    if moment.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime; got a naive one")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    """Inverse of :func:`format_time`."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


# --- Merkle trees (RFC 6962 hashing) -----------------------------------------


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first; a lone last node moves up as is.

    Moving an unpaired node up unchanged gives the same root as RFC 6962's
    split at the largest power of two.
    """
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf; got none")
    levels = [[_leaf(d) for d in leaves]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [_node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The RFC 6962 root hash of leaf data ``leaves``."""
    return _levels(leaves)[-1][0]


def merkle_proofs(leaves: Sequence[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """The root and every leaf's inclusion proof (audit path, bottom up)."""
    levels = _levels(leaves)
    proofs: list[list[bytes]] = []
    for index in range(len(leaves)):
        path, i = [], index
        for level in levels[:-1]:
            sibling = i ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            i >>= 1
        proofs.append(path)
    return levels[-1][0], proofs


def _root_from_proof(
    leaf_data: bytes, index: int, size: int, path: Sequence[bytes]
) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or None."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, _leaf(leaf_data)
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


# --- keys ----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public: bytes) -> str:
    """The id of a public key: ``ed25519-`` and 16 hex of its SHA-256."""
    return "ed25519-" + hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A published verification key with its validity window."""

    kid: str
    public: bytes
    not_before: dt.datetime
    not_after: dt.datetime | None
    status: str

    def valid_at(self, moment: dt.datetime) -> bool:
        """Whether a signature made at ``moment`` falls in the window."""
        if moment < self.not_before:
            return False
        return self.not_after is None or moment <= self.not_after

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "alg": _ALG,
            "public_key": _b64(self.public),
            "not_before": format_time(self.not_before),
            "not_after": (
                None if self.not_after is None else format_time(self.not_after)
            ),
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicKey:
        after = data.get("not_after")
        return cls(
            kid=str(data["kid"]),
            public=_unb64(str(data["public_key"])),
            not_before=parse_time(str(data["not_before"])),
            not_after=None if after is None else parse_time(str(after)),
            status=str(data.get("status", "retired")),
        )


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private Ed25519 key with its id; signs Merkle roots."""

    kid: str
    private: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    @classmethod
    def generate(cls) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        return cls(key_id(_raw_public(private.public_key())), private)


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


class PublicKeyRing:
    """Verification keys by id; all a partner needs to verify offline.

    Parameters
    ----------
    keys : iterable of PublicKey
    """

    def __init__(self, keys: Sequence[PublicKey]) -> None:
        self.keys = {k.kid: k for k in keys}
        self._verifiers = {
            k.kid: Ed25519PublicKey.from_public_bytes(k.public) for k in keys
        }

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PublicKeyRing:
        """Read a public key ring (``keyring.json`` or its export)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema") != KEYRING_SCHEMA:
                raise ValueError(f"schema {data.get('schema')!r}")
            keys = [PublicKey.from_json(k) for k in data["keys"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(
                f"{path}: expected a key ring file ({KEYRING_SCHEMA}); got {exc}"
            ) from None
        return cls(keys)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": KEYRING_SCHEMA,
            "keys": [k.to_json() for k in self.keys.values()],
        }

    def verify(self, kid: str, signature: bytes, message: bytes) -> bool:
        try:
            self._verifiers[kid].verify(signature, message)
        except InvalidSignature:
            return False
        return True


class KeyRing:
    """The signing keys in a folder: one active, older ones retired.

    Use :meth:`open` (creating the first key if there is none), then
    :meth:`active` to sign and :meth:`public` to verify. Private keys never
    leave the folder; :meth:`export_public` writes what partners need.
    """

    def __init__(self, folder: Path, public: list[PublicKey]) -> None:
        self.folder = folder
        self._public = public
        self._cache: dict[str, SigningKey] = {}

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        now: dt.datetime | None = None,
    ) -> KeyRing:
        """Open the key ring in ``folder`` (default: the home's ``keys``).

        With ``create`` a key ring with no key gets its first key.
        """
        path = Path(folder) if folder is not None else home() / "keys"
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        ring_file = path / KEYRING_FILE
        keys = (
            list(PublicKeyRing.from_file(ring_file).keys.values())
            if ring_file.exists()
            else []
        )
        ring = cls(path, keys)
        if create and not keys:
            ring._add(now or dt.datetime.now(dt.UTC))
        return ring

    @property
    def keys(self) -> tuple[PublicKey, ...]:
        return tuple(self._public)

    def active(self) -> SigningKey:
        """The key that signs now."""
        for public in reversed(self._public):
            if public.status == "active":
                return self._load(public.kid)
        raise KeyRingError(
            f"{self.folder}: no active signing key; create one with "
            "'credcert keys create'"
        )

    def public(self) -> PublicKeyRing:
        return PublicKeyRing(self._public)

    def rotate(self, now: dt.datetime | None = None) -> PublicKey:
        """Retire the active key (valid until ``now``) and add a new one."""
        moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        self._public = [
            PublicKey(k.kid, k.public, k.not_before, moment, "retired")
            if k.status == "active"
            else k
            for k in self._public
        ]
        return self._add(moment)

    def export_public(self, path: str | os.PathLike[str]) -> Path:
        """Write the public key ring for partners and offline verification."""
        out = Path(path)
        out.write_text(
            json.dumps(self.public().to_json(), indent=2) + "\n", encoding="utf-8"
        )
        return out

    def _add(self, now: dt.datetime) -> PublicKey:
        key = SigningKey.generate()
        pem = key.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(self.folder / f"{key.kid}.key", pem)
        public = PublicKey(
            key.kid,
            _raw_public(key.private.public_key()),
            now.replace(microsecond=0),
            None,
            "active",
        )
        self._public.append(public)
        self._save()
        self._cache[key.kid] = key
        logger.info("created signing key %s", key.kid)
        return public

    def _save(self) -> None:
        tmp = self.folder / f".{KEYRING_FILE}.tmp"
        tmp.write_text(
            json.dumps(self.public().to_json(), indent=2) + "\n", encoding="utf-8"
        )
        os.replace(tmp, self.folder / KEYRING_FILE)

    def _load(self, kid: str) -> SigningKey:
        if kid not in self._cache:
            path = self.folder / f"{kid}.key"
            try:
                private = serialization.load_pem_private_key(
                    path.read_bytes(), password=None
                )
            except (OSError, ValueError) as exc:
                raise KeyRingError(
                    f"{path}: expected the private key of {kid}; got {exc}"
                ) from None
            if not isinstance(private, Ed25519PrivateKey):
                raise KeyRingError(f"{path}: expected an Ed25519 private key")
            self._cache[kid] = SigningKey(kid, private)
        return self._cache[kid]


# --- signing and verifying documents -----------------------------------------


def _root_message(kid: str, root: bytes, size: int, signed_at: str) -> bytes:
    return canonical_json(
        {
            "type": ROOT_TYPE,
            "kid": kid,
            "root": root.hex(),
            "size": size,
            "signed_at": signed_at,
        }
    )


def sign_documents(
    digests: Sequence[str], key: SigningKey, signed_at: dt.datetime
) -> list[dict[str, Any]]:
    """Signature blocks for documents with the given content digests.

    One Ed25519 signature covers the Merkle root of all of them; each block
    carries its document's inclusion proof. ``digests`` come from
    :func:`content_digest` of each document's content.
    """
    when = format_time(signed_at)
    leaves = [d.encode("ascii") for d in digests]
    root, proofs = merkle_proofs(leaves)
    size = len(leaves)
    signature = _b64(key.sign(_root_message(key.kid, root, size, when)))
    root_hex = root.hex()
    return [
        {
            "schema": SIGNATURE_SCHEMA,
            "alg": _ALG,
            "kid": key.kid,
            "signed_at": when,
            "content_digest": digest,
            "tree_size": size,
            "leaf_index": index,
            "proof": [p.hex() for p in proof],
            "root": root_hex,
            "root_signature": signature,
        }
        for index, (digest, proof) in enumerate(zip(digests, proofs, strict=True))
    ]


def sign_document(
    content: Mapping[str, Any], key: SigningKey, signed_at: dt.datetime
) -> dict[str, Any]:
    """``content`` with a ``signature`` member: a tree of one leaf."""
    body = unsigned(content)
    (block,) = sign_documents([content_digest(body)], key, signed_at)
    return {**body, "signature": block}


@dataclass(frozen=True, slots=True)
class Verified:
    """What a successful verification established."""

    kid: str
    signed_at: dt.datetime
    content_digest: str
    tree_size: int


def verify_document(document: Any, keys: PublicKeyRing) -> Verified:
    """Check a signed document offline and say exactly why it fails.

    Raises
    ------
    VerificationError
        With ``code`` one of :data:`FAILURE_CODES`: ``malformed`` (no
        signature block or a broken one), ``unknown_key`` (key id not in the
        ring), ``content_altered`` (the content no longer has the digest that
        was signed), ``proof_invalid`` (the inclusion proof does not lead to
        the signed root: content and digest, or the proof, were changed),
        ``key_not_valid`` (signed outside the key's validity window) or
        ``bad_signature`` (the root signature does not verify: root, tree
        size, time, key id or signature were changed).
    """
    block = _block(document)
    kid = block["kid"]
    public = keys.keys.get(kid)
    if public is None:
        raise VerificationError(
            "unknown_key",
            f"signed with key {kid!r}, which is not in the key ring "
            f"(known: {', '.join(sorted(keys.keys)) or 'none'})",
        )
    actual = content_digest(unsigned(document))
    if actual != block["content_digest"]:
        raise VerificationError(
            "content_altered",
            "the document's content changed after signing: its digest is "
            f"{actual}, the signed digest is {block['content_digest']}",
        )
    try:
        path = [bytes.fromhex(p) for p in block["proof"]]
        root = bytes.fromhex(block["root"])
        signature = _unb64(block["root_signature"])
        signed_at = parse_time(block["signed_at"])
    except (ValueError, TypeError) as exc:
        raise VerificationError("malformed", f"signature block: {exc}") from None
    found = _root_from_proof(
        actual.encode("ascii"), block["leaf_index"], block["tree_size"], path
    )
    if found != root:
        raise VerificationError(
            "proof_invalid",
            f"the inclusion proof of leaf {block['leaf_index']} of "
            f"{block['tree_size']} does not lead to the signed root; the content "
            "digest or the proof was changed",
        )
    if not public.valid_at(signed_at):
        until = "open" if public.not_after is None else format_time(public.not_after)
        raise VerificationError(
            "key_not_valid",
            f"signed at {block['signed_at']}, outside the validity of key {kid} "
            f"({format_time(public.not_before)} to {until})",
        )
    message = _root_message(kid, root, block["tree_size"], block["signed_at"])
    if not keys.verify(kid, signature, message):
        raise VerificationError(
            "bad_signature",
            f"the root signature does not verify with key {kid}; the root, tree "
            "size, signing time or signature was changed",
        )
    return Verified(kid, signed_at, actual, block["tree_size"])


_BLOCK_TYPES: dict[str, type] = {
    "kid": str,
    "signed_at": str,
    "content_digest": str,
    "tree_size": int,
    "leaf_index": int,
    "proof": list,
    "root": str,
    "root_signature": str,
}


def _block(document: Any) -> dict[str, Any]:
    if not isinstance(document, Mapping):
        raise VerificationError(
            "malformed", f"expected a JSON object; got {type(document).__name__}"
        )
    block = document.get("signature")
    if not isinstance(block, Mapping):
        raise VerificationError("malformed", "expected a 'signature' object; none")
    if block.get("schema") != SIGNATURE_SCHEMA or block.get("alg") != _ALG:
        raise VerificationError(
            "malformed",
            f"expected signature schema {SIGNATURE_SCHEMA} with {_ALG}; got "
            f"{block.get('schema')!r} with {block.get('alg')!r}",
        )
    for name, kind in _BLOCK_TYPES.items():
        if not isinstance(block.get(name), kind) or isinstance(block.get(name), bool):
            raise VerificationError(
                "malformed", f"signature field {name!r}: expected a {kind.__name__}"
            )
    return dict(block)


def signature_texts(
    digests: Sequence[str], key: SigningKey, signed_at: dt.datetime
) -> list[str]:
    """The canonical JSON text of each block :func:`sign_documents` would give.

    Assembled from pieces for speed (batch issuing signs millions); equal to
    ``canonical_json(block)`` for the same arguments, which is tested.
    """
    when = format_time(signed_at)
    levels = _levels([d.encode("ascii") for d in digests])
    root = levels[-1][0]
    size = len(digests)
    signature = _b64(key.sign(_root_message(key.kid, root, size, when)))
    hexes = [[node.hex() for node in level] for level in levels[:-1]]
    head = f'{{"alg":"{_ALG}","content_digest":"'
    middle = f'"kid":"{key.kid}","leaf_index":'
    tail = (
        f'"root":"{root.hex()}","root_signature":"{signature}",'
        f'"schema":"{SIGNATURE_SCHEMA}","signed_at":"{when}","tree_size":{size}}}'
    )
    out = []
    for index, digest in enumerate(digests):
        path, i = [], index
        for level in hexes:
            sibling = i ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            i >>= 1
        proof = '","'.join(path)
        proof = f'["{proof}"]' if path else "[]"
        out.append(f'{head}{digest}",{middle}{index},"proof":{proof},{tail}')
    return out
