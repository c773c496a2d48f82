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
    ├── BatchError (RuntimeError)         a batch cannot start or resume
    ├── RequestError (ValueError)         a request is invalid; ``code``, ``field``
    │   ├── DisputeError                  disputes and corrections
    │   ├── ConsentError                  the consent ledger
    │   ├── ReviewError                   human review and the issuing switch
    │   └── ReplayError                   replaying a logged decision
    └── NotFoundError (KeyError)          no dispute, review or subject data by that key

Messages name fields and the expected form; they never carry a phone number
or any other personal value.
"""

from __future__ import annotations

__all__ = [
    "BatchError",
    "CertificateNotFoundError",
    "ConfigError",
    "ConsentError",
    "CredcertError",
    "DisclosureError",
    "DisputeError",
    "IssueError",
    "KeyRingError",
    "LogIntegrityError",
    "NotFoundError",
    "ReplayError",
    "RequestError",
    "ReviewError",
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


class RequestError(CredcertError, ValueError):
    """A request to the certificate domain is invalid; nothing was changed.

    Attributes
    ----------
    code : str
        Stable machine code (``unknown_field``, ``missing_reason``, ...).
    field : str or None
        The request member that was wrong.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        self.code = code
        self.field = field
        super().__init__(message)


class DisputeError(RequestError):
    """A dispute cannot be opened or resolved as asked."""


class ConsentError(RequestError):
    """A consent record is invalid (unknown category or purpose)."""


class ReviewError(RequestError):
    """A review decision or the automated-issuing switch is invalid."""


class ReplayError(RequestError):
    """A logged decision cannot be replayed (no sealed inputs, other versions)."""


class NotFoundError(CredcertError, KeyError):
    """No dispute, review or subject record with the given key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
