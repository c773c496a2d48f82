"""Errors of the certificate domain: one tree, each class also a builtin.

::

    CredcertError (Exception)
    ├── ConfigError (ValueError)          home folder or secret unusable
    ├── KeyRingError (KeyError)           no such signing key, or none active
    ├── VerificationError (ValueError)    a signature check failed; ``code`` says why
    ├── DisclosureError (ValueError)      bad scenario file or unknown scenario
    ├── IssueError (ValueError)           a record cannot be issued a certificate
    ├── LogIntegrityError (ValueError)    the decision log's chain is broken
    ├── StoreError (RuntimeError)         the database refused an operation
    │   └── CertificateNotFoundError (KeyError)
    └── BatchError (RuntimeError)         a batch cannot start or resume

Messages name fields and the expected form; they never carry a phone number
or any other personal value.
"""

from __future__ import annotations

__all__ = [
    "BatchError",
    "CertificateNotFoundError",
    "ConfigError",
    "CredcertError",
    "DisclosureError",
    "IssueError",
    "KeyRingError",
    "LogIntegrityError",
    "StoreError",
    "VerificationError",
]


class CredcertError(Exception):
    """Base class of every error raised by the certificate domain."""


class ConfigError(CredcertError, ValueError):
    """The home folder, a secret file or a setting is missing or unusable."""


class KeyRingError(CredcertError, KeyError):
    """A signing key is unknown, or no key is active for signing."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class VerificationError(CredcertError, ValueError):
    """A certificate, partner view or checkpoint failed verification.

    Attributes
    ----------
    code : str
        Stable machine code, one of :data:`credcert.signing.FAILURE_CODES`.
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


class DisclosureError(CredcertError, ValueError):
    """A scenario disclosure file is invalid, or a scenario is unknown."""


class IssueError(CredcertError, ValueError):
    """A record cannot be issued a certificate (e.g. it breaks the contract)."""


class LogIntegrityError(CredcertError, ValueError):
    """The decision log's hash chain is broken; ``problems`` names each break."""

    def __init__(self, problems: tuple[object, ...]) -> None:
        self.problems = problems
        lines = [f"decision log broken: {len(problems)} problem(s)"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


class StoreError(CredcertError, RuntimeError):
    """The database is unreachable, unmigrated or refused an operation."""


class CertificateNotFoundError(StoreError, KeyError):
    """No certificate with the given id is stored."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class BatchError(CredcertError, RuntimeError):
    """A batch cannot start, or cannot resume with the given inputs."""
