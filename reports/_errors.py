"""Errors raised while rendering reports.

::

    ReportError
    ├── FontMissingError (LookupError)   no CJK font to draw Chinese in charts
    ├── PrivacyError (ValueError)        a rendered page holds a phone number
    └── ReportInputError (ValueError)    an input lacks what a report needs
"""

from __future__ import annotations

__all__ = ["FontMissingError", "PrivacyError", "ReportError", "ReportInputError"]


class ReportError(Exception):
    """Base class of every error the reports package raises."""


class FontMissingError(ReportError, LookupError):
    """No font with Chinese glyphs was found for the charts."""


class PrivacyError(ReportError, ValueError):
    """A rendered report contains something that looks like a phone number."""


class ReportInputError(ReportError, ValueError):
    """An input to a report lacks a column, key or value the report needs."""
