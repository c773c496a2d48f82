"""Plain language: every code in every language for every bin, strict, escaped."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import jinja2
import pytest
import yaml

from explain import (
    BinInfo,
    Explainer,
    Explanation,
    Reason,
    Renderer,
    RuleFlag,
    Suggestion,
    UnknownLanguageError,
    default_catalogue_path,
    default_renderer,
    load_catalogue,
)
from explain._render import template_dir
from explain._suggest import is_actionable
from subscribers import FIELDS, FieldKind
from tests.explain.conftest import Trained, records

LANGUAGES = ("zh", "en")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# A number in Chinese text is read with its unit (or is a percentage, or
# part of "近12个月" / "近90天").
NUMBER_WITHOUT_UNIT = re.compile(r"\d+(?:\.\d+)?(?![\d.]|%|次|个|天|元|分|月)")


def _bins(name: str) -> list[BinInfo]:
    """Bins of every kind a feature can have: low, middle, high, special, none."""
    spec = FIELDS[name]
    if spec.kind is FieldKind.CATEGORY:
        regular = [
            BinInfo(
                index=i,
                label=c,
                kind="categories",
                categories=(c,),
                share=0.2,
                points=0,
            )
            for i, c in enumerate(spec.categories)
        ]
    elif spec.kind is FieldKind.BOOL:
        regular = [
            BinInfo(index=0, label="no", kind="range", high=0.5, share=0.2, points=0),
            BinInfo(index=1, label="yes", kind="range", low=0.5, share=0.8, points=0),
        ]
    else:
        assert spec.low is not None
        assert spec.high is not None
        span = spec.high - spec.low
        cuts = (
            [spec.low + 0.5, spec.low + 1.5]
            if spec.kind is FieldKind.INT
            else [spec.low + span * 0.3, spec.low + span * 0.6]
        )
        edges = [None, *cuts, None]
        regular = [
            BinInfo(
                index=i,
                label=str(i),
                kind="range",
                low=edges[i],
                high=edges[i + 1],
                share=0.3,
                points=0,
            )
            for i in range(3)
        ]
    n = len(regular)
    special = BinInfo(index=n, label="Special", kind="special", share=0.0, points=0)
    missing = BinInfo(index=n + 1, label="Missing", kind="missing", share=0.1, points=0)
    # special codes exist for numeric features only
    return [*regular, *([special] if spec.numeric else []), missing]


def _value(name: str, b: BinInfo) -> object:
    """A value inside bin ``b``."""
    spec = FIELDS[name]
    if b.kind == "missing":
        return None
    if b.kind == "categories":
        return b.categories[0]
    if spec.kind is FieldKind.BOOL:
        return b.low is not None
    low = spec.low if b.low is None else b.low
    if b.kind == "special":
        low = spec.low
    assert low is not None
    return math.ceil(low) if spec.kind is FieldKind.INT else low


def _every_reason() -> list[tuple[str, Reason]]:
    catalogue = load_catalogue()
    cases = []
    for code, entry in catalogue.codes.items():
        bins = _bins(entry.feature)
        for b in bins:
            if (entry.applies == "missing") != (b.kind == "missing"):
                continue
            reason = Reason(
                rank=1,
                code=code,
                direction=entry.direction,
                feature=entry.feature,
                value=_value(entry.feature, b),  # type: ignore[arg-type]
                bin=b,
                typical=bins[0],
                points=-12.4 if entry.direction == "adverse" else 7.6,
                title=entry.title,
            )
            cases.append((f"{code}-bin{b.index}", reason))
    return cases


def _every_suggestion() -> list[tuple[str, Suggestion]]:
    cases = []
    for name in load_catalogue().features:
        if not is_actionable(name):
            continue
        regular = [b for b in _bins(name) if b.kind in ("range", "categories")]
        for current in regular:
            for target in regular:
                if target.index == current.index:
                    continue
                suggestion = Suggestion(
                    feature=name,
                    value=_value(name, current),  # type: ignore[arg-type]
                    bin=current,
                    target=target,
                    points=9.0,
                    months=6,
                )
                cases.append((f"{name}-{current.index}-to-{target.index}", suggestion))
    return cases


REASONS = _every_reason()
SUGGESTIONS = _every_suggestion()


def _check_language(text: str, lang: str) -> None:
    assert text.strip()
    assert "None" not in text
    assert "nan" not in text
    if lang == "zh":
        assert not LATIN_WORD.search(text), text
        assert not NUMBER_WITHOUT_UNIT.search(text), text
    else:
        assert not CJK.search(text), text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("case", "reason"), REASONS, ids=[c for c, _ in REASONS])
def test_every_code_renders_in_every_language_for_every_bin(
    case: str, reason: Reason, lang: str
) -> None:
    context = default_renderer().reason_context(reason, lang, "population")
    _check_language(context["sentence"], lang)
    assert context["title"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("case", "suggestion"), SUGGESTIONS, ids=[c for c, _ in SUGGESTIONS]
)
def test_every_suggestion_renders_in_every_language(
    case: str, suggestion: Suggestion, lang: str
) -> None:
    text = default_renderer().suggestion_text(suggestion, lang)
    _check_language(text, lang)


def test_every_catalogued_code_was_rendered() -> None:
    rendered = {reason.code for _, reason in REASONS}
    assert rendered == set(load_catalogue().codes)


def test_whole_explanations_read_in_each_language_only(
    synthetic: Trained, explainer: Explainer
) -> None:
    for subject in records(synthetic.test, 150):
        e = explainer.explain(subject)
        assert not LATIN_WORD.search(e.text["zh"]), e.text["zh"]
        assert not CJK.search(e.text["en"]), e.text["en"]


def test_chinese_counts_carry_their_unit(
    synthetic: Trained, explainer: Explainer
) -> None:
    assert "number_changes_24m" in synthetic.artifact.feature_names
    best = max(
        records(synthetic.test, 100),
        key=lambda s: explainer.explain(s, languages=()).score,
    )
    subject = {**best, "number_changes_24m": 3}
    e = explainer.explain(subject)
    assert "近24个月更换号码3次" in e.text["zh"]
    assert "You made 3 number changes in the last 24 months" in e.text["en"]


def test_an_undefined_variable_in_a_code_template_raises(tmp_path: Path) -> None:
    document = yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))
    code = document["features"]["late_payments_12m"]["codes"][0]
    code["text"]["zh"] = "近12个月逾期缴费{{ valeu }}"
    path = tmp_path / "reasons.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    renderer = Renderer(load_catalogue(path))
    reason = next(r for _, r in REASONS if r.code == "FUL-LATE-01")
    with pytest.raises(jinja2.UndefinedError, match="valeu"):
        renderer.fact(reason, "zh")


def test_an_undefined_variable_in_a_language_template_raises(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(template_dir(), folder)
    path = folder / "en" / "explanation.txt.j2"
    path.write_text(path.read_text() + "{{ no_such_thing }}\n")
    renderer = Renderer(templates=folder)
    explanation = _small_explanation()
    with pytest.raises(jinja2.UndefinedError, match="no_such_thing"):
        renderer.render(explanation, "en")


def _small_explanation() -> Explanation:
    return Explanation(
        scorecard="x@1",
        scorecard_sha256="0" * 64,
        score=600.0,
        raw_score=600.0,
        grade="C",
        grade_label={"zh": "信用良好", "en": "good"},
        reference={"kind": "population", "score": 610.0, "detail": "test"},  # type: ignore[arg-type]
        method="test",
        catalogue_version="1",
        features=(),
        reasons=(),
        flags=(
            RuleFlag(
                rule_id="TST-001",
                version=1,
                effect="flag",
                title={"zh": "测试<b>规则</b>", "en": "Test <b>rule</b>"},
            ),
        ),
    )


def test_html_is_escaped_and_text_is_not() -> None:
    renderer = Renderer()
    explanation = _small_explanation()
    html = renderer.render(explanation, "en", fmt="html")
    text = renderer.render(explanation, "en")
    assert "Test &lt;b&gt;rule&lt;/b&gt;" in html
    assert "Test <b>rule</b>" in text


def test_unknown_language_is_refused() -> None:
    with pytest.raises(UnknownLanguageError, match="expected one of"):
        Renderer().render(_small_explanation(), "fr")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="fmt: expected one of"):
        Renderer().render(_small_explanation(), "zh", fmt="pdf")  # type: ignore[arg-type]


def test_every_template_of_a_language_carries_one_version() -> None:
    for lang in LANGUAGES:
        versions = {
            re.search(
                r"template-version:\s*(\S+)", p.read_text().splitlines()[0]
            ).group(1)  # type: ignore[union-attr]
            for p in (template_dir() / lang).glob("*.j2")
        }
        assert versions == {Renderer().template_version(lang)}


def test_explanations_record_the_template_versions(explainer: Explainer) -> None:
    e = explainer.explain({"late_payments_12m": 1})
    assert e.template_version == {
        lang: explainer.renderer.template_version(lang) for lang in LANGUAGES
    }


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        ("population", "全体用户的平均水平", "the average of all subscribers"),
        ("best_bin", "各项的最佳水平", "the best level of each item"),
        ("cutoff", "审批线附近用户的平均水平", "applicants near the approval line"),
    ],
)
def test_text_names_the_reference_it_compares_with(
    synthetic: Trained, kind: str, zh: str, en: str
) -> None:
    from explain import make_reference

    card = synthetic.artifact
    explainer = Explainer(card, make_reference(card, kind, synthetic.train))  # type: ignore[arg-type]
    e = explainer.explain(records(synthetic.test, 1)[0])
    assert zh in e.text["zh"]
    assert en in e.text["en"]


def test_one_point_is_singular_in_english() -> None:
    _, suggestion = SUGGESTIONS[0]
    one = suggestion.model_copy(update={"points": 1.2})
    text = default_renderer().suggestion_text(one, "en")
    assert "1 point" in text
    assert "1 points" not in text
