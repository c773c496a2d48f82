"""Free-text reasons people write (disputes, resolutions, reviews, switches).

A reason is stored in a table and shown to the subject, so it must be
present, bounded, and free of the personal identifiers the system never
stores: a reason that looks like it holds a phone number or an ID-card
number is refused (with the field named, never the value).
"""

from __future__ import annotations

import re

from credcert._errors import RequestError

__all__ = ["MAX_REASON", "check_reason"]

#: Longest reason accepted, in characters.
MAX_REASON = 2000
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_reason(
    reason: object, *, field: str = "reason", error: type[RequestError] = RequestError
) -> str:
    """The reason, stripped; raises ``error`` if missing, too long or personal."""
    if not isinstance(reason, str) or not reason.strip():
        raise error(
            "missing_reason",
            f"{field}: a written reason is required; got none",
            field=field,
        )
    text = reason.strip()
    if len(text) > MAX_REASON:
        raise error(
            "reason_too_long",
            f"{field}: at most {MAX_REASON} characters; got {len(text)}",
            field=field,
        )
    if _CONTROL.search(text):
        raise error(
            "control_character",
            f"{field}: expected printable text (line breaks and tabs allowed); "
            "got a control character",
            field=field,
        )
    if _PHONE.search(text) or _ID_CARD.search(text):
        raise error(
            "personal_identifier",
            f"{field}: must not contain a phone or ID-card number; describe the "
            "problem without it",
            field=field,
        )
    return text
