"""Rendering explanations as plain text or HTML, in Chinese and English.

Templates live beside the code (``explain/templates/<lang>/*.j2``); the
per-code sentences live in the catalogue. One Jinja2 environment serves
both: undefined variables raise (``StrictUndefined``), and only templates
whose name ends in ``.html.j2`` are HTML-escaped. Numbers and bins are turned
into *phrase specs* here (language-neutral dicts); the language templates
word them with units (次, 个月, 元, 天 / times, months, CNY, days).
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any, Literal, get_args

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    select_autoescape,
)

from explain._catalogue import FeatureReasons, ReasonCatalogue, load_catalogue
from explain._errors import UnknownLanguageError
from explain._explanation import BinInfo, Explanation, Reason, Suggestion
from subscribers import FIELDS, FieldKind

__all__ = ["FORMATS", "Renderer", "default_renderer", "template_dir"]

Format = Literal["text", "html"]
FORMATS: tuple[str, ...] = get_args(Format)
_VERSION = re.compile(r"template-version:\s*(\S+)")
Phrase = dict[str, Any]
#: Most sentences and phrases a renderer keeps made (a few MB).
MEMO_SIZE = 50_000


def template_dir() -> Path:
    """The folder of the shipped templates, one subfolder per language."""
    return Path(__file__).parent / "templates"


def _num(value: float, digits: int = 2, grouping: bool = False) -> str:
    """A number without trailing zeros: 3, 120.5, 0.25 (1,200 with grouping)."""
    rounded = round(float(value), digits)
    if rounded == int(rounded):
        return f"{int(rounded):,}" if grouping else str(int(rounded))
    text = f"{rounded:,.{digits}f}" if grouping else f"{rounded:.{digits}f}"
    return text.rstrip("0").rstrip(".")


def _plural(n: Any, one: str, many: str) -> str:
    return one if n == 1 else many


def _points(value: float) -> int:
    """Points as read aloud: a whole number, at least 1."""
    return max(1, round(abs(value)))


# -- phrase specs -------------------------------------------------------------


def _bin_key(bin_: BinInfo) -> tuple[Any, ...]:
    return (bin_.index, bin_.kind, bin_.low, bin_.high, bin_.categories)


def _kind(name: str) -> FieldKind:
    spec = FIELDS.get(name)
    return spec.kind if spec is not None else FieldKind.FLOAT


def _domain(name: str) -> tuple[float, float]:
    spec = FIELDS.get(name)
    if spec is None or spec.low is None or spec.high is None:
        return -math.inf, math.inf
    return spec.low, spec.high


def value_phrase(name: str, value: Any, entry: FeatureReasons) -> Phrase:
    """The phrase spec of a subscriber's value (``missing`` for none)."""
    if value is None:
        return {"form": "missing"}
    if entry.values:
        return {"form": "labels", "labels": [entry.label(value)]}
    return {"form": "exact", "a": value}


def bin_phrase(name: str, bin_: BinInfo, entry: FeatureReasons) -> Phrase:
    """The phrase spec of a whole bin: "3次及以上", "between 38 and 115 months"."""
    if bin_.kind in ("missing", "special"):
        return {"form": bin_.kind}
    if bin_.kind == "categories":
        return {"form": "labels", "labels": [entry.label(c) for c in bin_.categories]}
    kind = _kind(name)
    if kind is FieldKind.BOOL:
        truth = bin_.low is not None and bin_.low > 0
        return {"form": "labels", "labels": [entry.label(truth)]}
    if kind is FieldKind.INT:
        return _int_range(name, bin_.low, bin_.high)
    if bin_.low is None:
        return {"form": "below", "b": bin_.high}
    if bin_.high is None:
        return {"form": "at_least", "a": bin_.low}
    return {"form": "between", "a": bin_.low, "b": bin_.high}


def _int_range(name: str, low: float | None, high: float | None) -> Phrase:
    floor, ceiling = _domain(name)
    lo = floor if low is None else math.ceil(low)
    hi = ceiling if high is None else math.ceil(high) - 1
    if lo == hi:
        return {"form": "exact", "a": int(lo)}
    if high is None:
        return {"form": "at_least", "a": int(lo)}
    if low is None:
        return {"form": "at_most", "b": int(hi)}
    return {"form": "between", "a": int(lo), "b": int(hi)}


def target_phrase(name: str, suggestion: Suggestion, entry: FeatureReasons) -> Phrase:
    """The bound a suggestion aims at: "1次及以下", "at least 91%"."""
    target, current = suggestion.target, suggestion.bin
    if target.kind != "range" or _kind(name) is FieldKind.BOOL:
        return bin_phrase(name, target, entry)
    upward = target.low is not None and (
        current.low is None or target.low > current.low
    )
    if upward:
        assert target.low is not None
        low = math.ceil(target.low) if _kind(name) is FieldKind.INT else target.low
        ceiling = _domain(name)[1]
        if low >= ceiling:
            return {"form": "exact", "a": low}
        return {"form": "at_least", "a": low}
    phrase = bin_phrase(name, target.model_copy(update={"low": None}), entry)
    if phrase == {"form": "exact", "a": 0}:
        return {"form": "zero"}
    return phrase


def _single_value(spec: Phrase, bin_: BinInfo) -> Any:
    """The one value a bin stands for, if any (its lower bound for "at least").

    Templates test ``n`` for plurals and labels; a bin of many values gives
    its lower bound where the sentence reads "at least", else None.
    """
    if spec["form"] in ("exact", "at_least"):
        return spec["a"]
    if spec["form"] == "labels" and len(bin_.categories) == 1:
        return bin_.categories[0]
    if spec["form"] == "labels" and not bin_.categories:
        return bin_.low is not None and bin_.low > 0
    return None


# -- the renderer ---------------------------------------------------------------


class Renderer:
    """Render explanations with the catalogue's sentences and the templates.

    Parameters
    ----------
    catalogue : ReasonCatalogue, optional
        The reason-code catalogue; the shipped one by default.
    templates : path, optional
        A folder with one subfolder per language; the shipped one by default.

    Examples
    --------
    >>> renderer = default_renderer()
    >>> renderer.languages
    ('en', 'zh')
    """

    def __init__(
        self,
        catalogue: ReasonCatalogue | None = None,
        templates: Path | None = None,
    ) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.templates = templates or template_dir()
        self.env = Environment(
            loader=FileSystemLoader(str(self.templates)),
            undefined=StrictUndefined,
            autoescape=select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["num"] = _num
        self.env.globals["plural"] = _plural
        self._strings: dict[tuple[str, str, str], Template] = {}
        self._modules: dict[str, Any] = {}
        self._versions: dict[str, str] = {}
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _remember(self, key: tuple[Any, ...], make: Any) -> Any:
        """A sentence or phrase, made once per distinct input.

        Sentences depend only on a few values (a count, a bin, rounded
        points), so most subjects repeat ones already made. The memo is
        cleared when it holds :data:`MEMO_SIZE` entries.
        """
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            found = self._memo[key] = make()
        return found

    @functools.cached_property
    def languages(self) -> tuple[str, ...]:
        """Languages with templates, sorted."""
        return tuple(sorted(p.name for p in self.templates.iterdir() if p.is_dir()))

    def template_version(self, lang: str) -> str:
        """The version written in the header of ``<lang>/explanation.txt.j2``."""
        self._check(lang)
        version = self._versions.get(lang)
        if version is None:
            path = self.templates / lang / "explanation.txt.j2"
            found = _VERSION.search(path.read_text("utf-8").splitlines()[0])
            version = found.group(1) if found else "unversioned"
            self._versions[lang] = version
        return version

    def _check(self, lang: str) -> None:
        if lang not in self.languages or lang not in self.catalogue.languages:
            raise UnknownLanguageError(
                f"lang: expected one of {self.languages}; got {lang!r}"
            )

    def _phrases(self, lang: str) -> Any:
        module = self._modules.get(lang)
        if module is None:
            module = self.env.get_template(f"{lang}/_phrases.j2").module
            self._modules[lang] = module
        return module

    def _string(self, key: str, which: str, lang: str, source: str) -> Template:
        template = self._strings.get((key, which, lang))
        if template is None:
            template = self.env.from_string(source)
            self._strings[(key, which, lang)] = template
        return template

    def phrase(self, lang: str, feature: str, spec: Phrase) -> str:
        """Word a phrase spec with the feature's unit in ``lang``."""
        entry = self.catalogue.feature(feature)
        return str(self._phrases(lang).phrase(spec, entry.unit, lang))

    # -- sentences ---------------------------------------------------------
    def fact(self, reason: Reason, lang: str) -> str:
        """The catalogue sentence of a reason: what the subscriber's value is.

        A reason whose value is unknown but whose bin is not the missing one
        (a certificate keeps bins, not values) is worded by its bin: "2 to 3
        late payments" instead of the exact count.
        """
        entry = self.catalogue.feature(reason.feature)
        code = self.catalogue.codes[reason.code]
        bin_spec = bin_phrase(reason.feature, reason.bin, entry)
        bin_text = self.phrase(lang, reason.feature, bin_spec)
        n = reason.value
        if n is None and reason.bin.kind != "missing":
            value = bin_text
            n = _single_value(bin_spec, reason.bin)
        else:
            spec = value_phrase(reason.feature, reason.value, entry)
            value = self.phrase(lang, reason.feature, spec)
        template = self._string(reason.code, "text", lang, code.text[lang])
        return template.render(value=value, n=n, bin=bin_text)

    def reason_context(
        self, reason: Reason, lang: str, kind: str = "population"
    ) -> dict[str, Any]:
        """What the explanation templates need of one reason, its sentence too.

        ``kind`` is the reference kind the sentence compares with.
        """
        key = (
            "reason",
            lang,
            kind,
            reason.code,
            reason.value,
            _bin_key(reason.bin),
            _bin_key(reason.typical),
            reason.typical.share,
            _points(reason.points),
        )
        context: dict[str, Any] = self._remember(
            key, lambda: self._reason_context(reason, lang, kind)
        )
        return context

    def _reason_context(self, reason: Reason, lang: str, kind: str) -> dict[str, Any]:
        entry = self.catalogue.feature(reason.feature)
        typical = bin_phrase(reason.feature, reason.typical, entry)
        context = {
            "code": reason.code,
            "title": reason.title[lang],
            "fact": self.fact(reason, lang),
            "missing": reason.bin.kind == "missing",
            "typical": self.phrase(lang, reason.feature, typical),
            "typical_share": reason.typical.share,
            "same_as_typical": reason.typical.index == reason.bin.index,
            "points": _points(reason.points),
        }
        words = self._sentences(lang)
        macro = words.reason if reason.direction == "adverse" else words.strength
        context["sentence"] = str(macro(context, kind))
        return context

    def suggestion_text(self, suggestion: Suggestion, lang: str) -> str:
        """The catalogue sentence of a suggestion, about the time ahead."""
        key = (
            "suggestion",
            lang,
            suggestion.feature,
            suggestion.value,
            _bin_key(suggestion.bin),
            _bin_key(suggestion.target),
            _points(suggestion.points),
            suggestion.months,
        )
        text: str = self._remember(key, lambda: self._suggestion_text(suggestion, lang))
        return text

    def _suggestion_text(self, suggestion: Suggestion, lang: str) -> str:
        entry = self.catalogue.feature(suggestion.feature)
        assert entry.suggestion is not None
        target = self.phrase(
            lang,
            suggestion.feature,
            target_phrase(suggestion.feature, suggestion, entry),
        )
        template = self._string(
            suggestion.feature, "suggestion", lang, entry.suggestion.text[lang]
        )
        return template.render(
            target=target, points=_points(suggestion.points), months=suggestion.months
        )

    # -- documents -----------------------------------------------------------
    def _sentences(self, lang: str) -> Any:
        module = self._modules.get(f"{lang}/sentences")
        if module is None:
            module = self.env.get_template(f"{lang}/_sentences.j2").module
            self._modules[f"{lang}/sentences"] = module
        return module

    def context(self, explanation: Explanation, lang: str) -> dict[str, Any]:
        """Everything the explanation templates of ``lang`` are rendered with.

        Sentences are made here, as plain text, by the macros of
        ``<lang>/_sentences.j2``; the text and HTML templates only lay them
        out, so the HTML template escapes every one of them.
        """
        words = self._sentences(lang)
        kind = explanation.reference.kind
        reference = {"kind": kind, "score": round(explanation.reference.score)}

        return {
            "score": round(explanation.score),
            "grade": explanation.grade,
            "grade_label": explanation.grade_label.get(lang, ""),
            "reference": reference,
            "reference_line": str(words.reference_line(reference)),
            "no_reason_line": str(words.no_reason(kind)),
            "reasons": [
                self.reason_context(r, lang, kind) for r in explanation.reasons
            ],
            "strengths": [
                self.reason_context(r, lang, kind) for r in explanation.strengths
            ],
            "suggestions": [
                self.suggestion_text(s, lang) for s in explanation.suggestions
            ],
            "flags": [
                {"rule_id": f.rule_id, "sentence": str(words.flag(f))}
                for f in explanation.flags
            ],
        }

    def render(
        self, explanation: Explanation, lang: str = "zh", fmt: Format = "text"
    ) -> str:
        """Render an explanation as text to read aloud, or as an HTML fragment.

        Raises
        ------
        UnknownLanguageError
            If there are no templates for ``lang``.
        ValueError
            If ``fmt`` is not one of :data:`FORMATS`.

        Examples
        --------
        >>> print(default_renderer().render(explanation, "en"))  # doctest: +SKIP
        Credit score 612, grade C (good). Compared below with the average ...
        """
        self._check(lang)
        if fmt not in FORMATS:
            raise ValueError(f"fmt: expected one of {FORMATS}; got {fmt!r}")
        suffix = "txt" if fmt == "text" else "html"
        template = self.env.get_template(f"{lang}/explanation.{suffix}.j2")
        return template.render(self.context(explanation, lang)).strip() + "\n"

    def render_all(
        self, explanation: Explanation, languages: tuple[str, ...] = ("zh", "en")
    ) -> Explanation:
        """The explanation with its text and template versions filled in."""
        text = {lang: self.render(explanation, lang) for lang in languages}
        versions = {lang: self.template_version(lang) for lang in languages}
        return explanation.model_copy(
            update={"text": text, "template_version": versions}
        )


@functools.lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    """The renderer of the shipped catalogue and templates (built once)."""
    return Renderer()
