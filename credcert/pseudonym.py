"""Pseudonymisation at the edge: a phone number becomes a keyed hash.

The subject of a certificate is ``HMAC-SHA256(key, msisdn | activated_on)``:
a subscription, not a bare number, so a recycled number gets a new subject
with no history. The key is a secret from the credcert home folder (created
on first use, mode 0600); without it a pseudonym cannot be recomputed from a
number, and there is no built-in default key. The raw number is used only
inside :meth:`Pseudonymizer.subject` and never stored, logged or returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

from credcert._config import PSEUDONYM_KEY_FILE, home, read_or_create_secret
from credcert._errors import ConfigError

__all__ = ["PREFIX", "Pseudonymizer"]

#: Prefix of every subject pseudonym; the digit is the scheme version.
PREFIX = "sp1_"
_MIN_KEY_BYTES = 16


class Pseudonymizer:
    """Turn phone numbers into subject pseudonyms with a secret key.

    Parameters
    ----------
    key : bytes
        The secret, at least 16 bytes. Use :meth:`from_home` to read (or
        create) the configured one.

    Examples
    --------
    >>> import datetime as dt
    >>> p = Pseudonymizer(b"k" * 32)
    >>> s = p.subject("13800138000", dt.date(2020, 1, 1))
    >>> s.startswith("sp1_"), len(s)
    (True, 36)
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < _MIN_KEY_BYTES:
            raise ConfigError(
                f"pseudonym key: expected at least {_MIN_KEY_BYTES} bytes; "
                f"got {len(key)}"
            )
        self._key = key
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    @classmethod
    def from_home(cls, path: str | os.PathLike[str] | None = None) -> Pseudonymizer:
        """The pseudonymizer with the key of the credcert home folder."""
        return cls(read_or_create_secret(home(path) / PSEUDONYM_KEY_FILE))

    @classmethod
    def from_file(cls, path: Path) -> Pseudonymizer:
        """The pseudonymizer with the key in ``path`` (created if missing)."""
        return cls(read_or_create_secret(path))

    def subject(self, msisdn: str, activated_on: dt.date) -> str:
        """The pseudonym of the subscription ``msisdn`` activated on a date."""
        mac = self._base.copy()
        mac.update(f"{msisdn}|{activated_on.isoformat()}".encode("ascii"))
        return PREFIX + mac.hexdigest()[:32]

    def subjects(
        self, msisdns: Iterable[str], activated: Iterable[dt.date]
    ) -> list[str]:
        """Pseudonyms of many subscriptions, in order."""
        return [self.subject(m, a) for m, a in zip(msisdns, activated, strict=True)]

    def fingerprint(self) -> str:
        """A short public fingerprint of the key, to tell keys apart in logs."""
        return hashlib.sha256(b"credcert-pseudonym-key|" + self._key).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"Pseudonymizer(key=<{self.fingerprint()}>)"
