"""The reason-code catalogue: stable codes, titles and sentence templates.

The catalogue is a data file (``explain/reasons.yaml``), not Python, so that
wording can be reviewed and changed without touching code. Per scored
feature it holds the unit as read aloud, labels of categorical and yes/no
values, one or more codes per direction (``adverse``: the feature cost
points; ``favourable``: it earned points) and, for features a subscriber can
act on, a suggestion template. Codes are stable: a code, once published,
keeps its meaning; wording changes bump the catalogue version.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from explain._errors import CatalogueError, MissingReasonError
from subscribers import FIELDS, Role

__all__ = [
    "CATALOGUE_SCHEMA",
    "CodeEntry",
    "FeatureReasons",
    "ReasonCatalogue",
    "SuggestionEntry",
    "default_catalogue_path",
    "load_catalogue",
]

CATALOGUE_SCHEMA = "credcert.reasons/1"
_CODE = r"^[A-Z]{3}-[A-Z]{2,6}-[0-9]{2}$"
#: Codes every feature needs: adverse for a value and for no data (the
#: missing bin), favourable for a value. A missing bin is never a strength.
_REQUIRED = (("adverse", "value"), ("adverse", "missing"), ("favourable", "value"))

#: Text per language, e.g. ``{"zh": "...", "en": "..."}``.
Texts = dict[str, str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeEntry(_Model):
    """One reason code: a feature, a direction, the bins it covers, its text.

    ``applies`` is ``value`` (the subscriber has a value), ``missing`` (the
    feature's missing bin: no data) or ``any``.
    """

    code: str = Field(pattern=_CODE)
    direction: Literal["adverse", "favourable"]
    applies: Literal["value", "missing", "any"] = "value"
    title: Texts
    text: Texts
    feature: str = ""


class SuggestionEntry(_Model):
    """How to phrase a suggestion, and over what horizon it can pay off.

    ``horizon`` is ``window`` (a count over a rolling window falls as old
    events leave it: ``months`` is the window), ``ratio`` (an on-time share
    over ``months`` rises month by month: the months needed are computed) or
    ``fixed`` (an action from now, seen within ``months``).
    """

    horizon: Literal["window", "ratio", "fixed"]
    months: int = Field(ge=1, le=60)
    text: Texts


class Unit(_Model):
    """A unit as read aloud: a Chinese measure word, English singular/plural.

    ``zero`` optionally words the value 0 per language ("no late payments");
    ``percent`` shows a 0-1 ratio as a percentage.
    """

    zh: str = ""
    en: tuple[str, str] = ("", "")
    zero: Texts = {}
    percent: bool = False


class FeatureReasons(_Model):
    """Everything the catalogue says about one feature."""

    unit: Unit = Unit()
    values: dict[str, Texts] = {}
    codes: tuple[CodeEntry, ...] = Field(min_length=2)
    suggestion: SuggestionEntry | None = None

    def code_for(self, direction: str, missing: bool) -> CodeEntry:
        """The code of a direction for a bin with or without a value."""
        want = "missing" if missing else "value"
        for entry in self.codes:
            if entry.direction == direction and entry.applies in (want, "any"):
                return entry
        raise LookupError(f"no {direction} code for a {want} bin")

    def label(self, value: Any) -> Texts:
        """Labels of a categorical or yes/no value, per language."""
        return self.values[_key(value)]


def _key(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class ReasonCatalogue(_Model):
    """The whole catalogue: versioned, with codes indexed by code.

    Examples
    --------
    >>> catalogue = load_catalogue()
    >>> catalogue.codes["FUL-LATE-01"].feature
    'late_payments_12m'
    """

    schema_: Literal["credcert.reasons/1"] = Field(alias="schema")
    version: str = Field(min_length=1)
    languages: tuple[str, ...] = Field(min_length=1)
    features: dict[str, FeatureReasons]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self) -> ReasonCatalogue:
        seen: dict[str, str] = {}
        for name, entry in self.features.items():
            for direction, applies in _REQUIRED:
                if not any(
                    c.direction == direction and c.applies in ("any", applies)
                    for c in entry.codes
                ):
                    raise ValueError(
                        f"features.{name}: expected a {direction} code for "
                        f"{applies} bins; got none"
                    )
            for code in entry.codes:
                if code.code in seen:
                    raise ValueError(
                        f"code {code.code} is used by {seen[code.code]!r} and {name!r}"
                    )
                seen[code.code] = name
                self._languages(f"{code.code}.title", code.title)
                self._languages(f"{code.code}.text", code.text)
            if entry.suggestion is not None:
                self._languages(f"features.{name}.suggestion", entry.suggestion.text)
                spec = FIELDS.get(name)
                if spec is not None and not (
                    spec.actionable and spec.role is Role.INPUT
                ):
                    raise ValueError(
                        f"features.{name}: a suggestion is only allowed for an "
                        "actionable input; the data contract says it is not one"
                    )
        return self

    def _languages(self, where: str, texts: Mapping[str, str]) -> None:
        missing = [lang for lang in self.languages if not texts.get(lang)]
        if missing:
            raise ValueError(f"{where}: expected text in {missing}; got none")

    @functools.cached_property
    def codes(self) -> dict[str, CodeEntry]:
        """Every code, with its feature filled in."""
        return {
            c.code: c.model_copy(update={"feature": name})
            for name, entry in self.features.items()
            for c in entry.codes
        }

    def feature(self, name: str) -> FeatureReasons:
        """The catalogue entry of a feature.

        Raises
        ------
        MissingReasonError
            If the feature has no reason codes.
        """
        try:
            return self.features[name]
        except KeyError:
            raise MissingReasonError(
                f"feature {name!r} has no reason codes in catalogue {self.version}; "
                "add it to reasons.yaml before explaining a scorecard that uses it"
            ) from None

    def require(self, names: tuple[str, ...]) -> None:
        """Check that every name has reason codes.

        Raises
        ------
        MissingReasonError
            Naming every feature that has none.
        """
        absent = [n for n in names if n not in self.features]
        if absent:
            raise MissingReasonError(
                f"scored feature(s) without reason codes in catalogue "
                f"{self.version}: {absent}; add them to reasons.yaml"
            )


def default_catalogue_path() -> Path:
    """The catalogue shipped with the package."""
    return Path(__file__).parent / "reasons.yaml"


@functools.lru_cache(maxsize=8)
def _load(path: str) -> ReasonCatalogue:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CatalogueError(f"{path}{line}: expected YAML; {exc}") from None
    try:
        return ReasonCatalogue.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"])
        raise CatalogueError(f"{path}: {where}: {error['msg']}") from None


def load_catalogue(path: str | os.PathLike[str] | None = None) -> ReasonCatalogue:
    """Read and check a reason-code catalogue (the shipped one by default).

    Raises
    ------
    CatalogueError
        If the file is not YAML, breaks the schema, repeats a code, lacks a
        language or a direction, or suggests acting on a non-actionable field.
    """
    return _load(str(Path(path) if path is not None else default_catalogue_path()))
