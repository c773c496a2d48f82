"""Errors of the scorecard layer, one small tree.

::

    ScorecardError
    ├── SpecError (ValueError)              a spec file is malformed
    │   └── ForbiddenFeatureError           a group attribute or context field
    │                                       is named as a feature
    ├── DataError (ValueError)              training or scoring data do not fit
    │   └── MissingColumnError (KeyError)   a column the spec or artifact
    │                                       needs is absent
    ├── ArtifactError (ValueError)          an artifact file cannot be used
    │   └── ChecksumError                   its content no longer matches its
    │                                       sha256 (corrupted or hand-edited)
    ├── NotFittedError (AttributeError)     a trainer used before ``fit``
    └── TrainingError (RuntimeError)        no usable scorecard could be fitted

Every error names where the problem is (file and line, field path, column),
what was expected and what was got. ``code`` is a short stable string that
tests and callers can branch on.
"""

from __future__ import annotations

__all__ = [
    "ArtifactError",
    "ChecksumError",
    "DataError",
    "ForbiddenFeatureError",
    "MissingColumnError",
    "NotFittedError",
    "ScorecardError",
    "SpecError",
    "TrainingError",
]


class ScorecardError(Exception):
    """Base class of scorecard errors; ``code`` is stable for machines."""

    code = "scorecard"


class SpecError(ScorecardError, ValueError):
    """A spec file or spec mapping is malformed.

    Attributes
    ----------
    source : str or None
        The file the spec came from.
    line : int or None
        The line of the offending node, where known.
    field : str
        Dotted path of the field (``features[3].monotonic_trend``).
    """

    code = "spec"

    def __init__(
        self,
        message: str,
        *,
        field: str = "",
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.field = field
        self.source = source
        self.line = line
        where = source or "<spec>"
        if line is not None:
            where = f"{where}:{line}"
        head = f"{where}: {field}: " if field else f"{where}: "
        super().__init__(head + message)


class ForbiddenFeatureError(SpecError):
    """A group attribute or context field was named as a scorecard feature."""

    code = "forbidden_feature"


class DataError(ScorecardError, ValueError):
    """Training or scoring data do not fit the spec or the artifact."""

    code = "data"


class MissingColumnError(DataError, KeyError):
    """A column the spec or the artifact needs is absent from the data."""

    code = "missing_column"

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class ArtifactError(ScorecardError, ValueError):
    """A scorecard artifact cannot be read or does not follow its schema."""

    code = "artifact"


class ChecksumError(ArtifactError):
    """An artifact's content no longer matches the sha256 it carries."""

    code = "checksum"


class NotFittedError(ScorecardError, AttributeError):
    """A trainer was used before :meth:`fit` was called."""

    code = "not_fitted"


class TrainingError(ScorecardError, RuntimeError):
    """No usable scorecard could be fitted (for example, no feature passed)."""

    code = "training"
