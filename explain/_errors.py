"""Errors of the explanation layer.

::

    ExplainError (Exception)
    ├── CatalogueError (ValueError)        the reason-code catalogue is malformed
    ├── MissingReasonError (KeyError)      a scored feature has no reason code
    ├── ReferenceMismatchError (ValueError) a reference belongs to another scorecard
    ├── UnknownLanguageError (ValueError)   no templates for the language asked for
    └── AdditivityError (ArithmeticError)   SHAP and the points table disagree

Messages name fields, codes and files, never a subscriber's identifiers.
"""

from __future__ import annotations

__all__ = [
    "AdditivityError",
    "CatalogueError",
    "ExplainError",
    "MissingReasonError",
    "ReferenceMismatchError",
    "UnknownLanguageError",
]


class ExplainError(Exception):
    """Base of every error raised by :mod:`explain`."""


class CatalogueError(ExplainError, ValueError):
    """The reason-code catalogue (``reasons.yaml``) is malformed."""


class MissingReasonError(ExplainError, KeyError):
    """A scored feature has no reason code in the catalogue."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ReferenceMismatchError(ExplainError, ValueError):
    """A stored reference was computed for another scorecard."""


class UnknownLanguageError(ExplainError, ValueError):
    """No templates exist for the language asked for."""


class AdditivityError(ExplainError, ArithmeticError):
    """SHAP contributions and points minus reference points disagree."""
