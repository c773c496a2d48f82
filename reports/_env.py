"""The one Jinja2 environment of the reports, its number filters and page output.

Autoescaping is on and undefined names raise, so a template that asks for a
value the renderer did not pass fails loudly instead of printing nothing.
Every page passes a privacy check before it is returned.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from reports._errors import PrivacyError, ReportInputError

__all__ = ["LANGUAGES", "environment", "labels", "render_page", "write_page"]

#: Languages of the subscriber-facing documents.
LANGUAGES = ("zh", "en")

# A mainland mobile number standing alone (not inside a hash or a base64 run).
_PHONE = re.compile(r"(?<![0-9A-Za-z+/])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


def _percent(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def _integer(value: Any) -> str:
    if value is None:
        return "–"
    return f"{int(value):,}"


def _pvalue(value: Any) -> str:
    if value is None:
        return "–"
    return "<0.0001" if float(value) < 1e-4 else f"{float(value):.4f}"


@functools.cache
def environment() -> Environment:
    """The shared environment: package templates, autoescape, strict undefined."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _number
    env.filters["pct"] = _percent
    env.filters["int"] = _integer
    env.filters["pvalue"] = _pvalue
    return env


@functools.cache
def _label_file() -> dict[str, dict[str, str]]:
    path = Path(__file__).parent / "templates" / "labels.yaml"
    loaded: dict[str, dict[str, str]] = yaml.safe_load(path.read_text("utf-8"))
    return loaded


def labels(lang: str) -> dict[str, str]:
    """The fixed texts of the subscriber-facing pages in ``lang`` (zh or en)."""
    if lang not in LANGUAGES:
        raise ReportInputError(f"lang: expected one of {LANGUAGES}; got {lang!r}")
    return {key: texts[lang] for key, texts in _label_file().items()}


def render_page(template: str, context: Mapping[str, Any]) -> str:
    """Render ``template`` with ``context`` and check the page for phone numbers.

    Raises
    ------
    PrivacyError
        If the page contains something shaped like a mobile number.
    """
    page = (
        environment()
        .get_template(template)
        .render(
            generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            **context,
        )
    )
    found = _PHONE.search(page)
    if found:
        start = max(found.start() - 30, 0)
        raise PrivacyError(
            f"{template}: the page contains a phone number shape at character "
            f"{found.start()} (…{page[start : found.start()]}…); reports never "
            "show phone numbers"
        )
    return page


def write_page(page: str, path: str | os.PathLike[str]) -> Path:
    """Write a rendered page as UTF-8 and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
