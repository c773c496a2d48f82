"""Write docs/examples/: rendered explanations of 20 varied subjects, zh and en.

Re-run after changing the catalogue or the templates, then read the files::

    .venv/bin/python benchmarks/make_explain_examples.py [--out docs/examples]

The scorecard is the default spec trained on 40,000 synthetic subscribers
(seed 1); subjects come from another synthetic sample (seed 5) and are
chosen to vary: across the score range, and with arrears, late payments,
fraud reports, missing partner data, unverified identity and a denial.
Rule flags come from the default rule set. Identifiers are never written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from explain import Explainer, Explanation, make_reference
from rules import RuleEngine, load_ruleset
from scorecard import ScorecardTrainer, default_spec_path, load_spec
from subscribers import iter_records
from subscribers.synth import generate

Pick = tuple[str, str, Callable[[pd.DataFrame], pd.Series]]
#: (title zh, title en, which rows qualify); the first qualifying row is used.
PICKS: list[Pick] = [
    ("严重欠费", "serious arrears", lambda f: f.arrears_days > 90),
    ("近期有欠费", "recent arrears", lambda f: f.arrears_days.between(5, 40)),
    ("多次逾期缴费", "repeated late payments", lambda f: f.late_payments_12m >= 3),
    (
        "按时缴费比例低",
        "low on-time share",
        lambda f: f.on_time_payment_ratio_12m < 0.7,
    ),
    ("多次被举报诈骗短信", "fraud-SMS reports", lambda f: f.fraud_sms_reports_12m >= 3),
    (
        "经核实参与诈骗短信",
        "confirmed fraud SMS",
        lambda f: f.fraud_sms_confirmed.eq(True),
    ),
    (
        "未完成实名认证",
        "not real-name verified",
        lambda f: f.real_name_verified.eq(False),
    ),
    (
        "身份证核验不一致",
        "ID check mismatch",
        lambda f: f.id_check_result == "mismatch",
    ),
    (
        "缺少合作平台数据",
        "no partner-platform data",
        lambda f: f.platform_credit_level.isna(),
    ),
    (
        "合作平台信用较差",
        "poor partner-platform level",
        lambda f: f.platform_credit_level == "poor",
    ),
    ("在网时间很短", "very short tenure", lambda f: f.tenure_months < 12),
    ("频繁换机", "frequent device changes", lambda f: f.device_changes_12m >= 3),
    ("安装高风险应用", "high-risk apps", lambda f: f.high_risk_apps >= 2),
    ("号码长时间未用", "long silent periods", lambda f: f.silent_days_12m >= 60),
]
#: Score quantiles filling the rest, lowest to highest.
QUANTILES = (0.02, 0.2, 0.4, 0.5, 0.8, 0.99)


def _train() -> tuple[object, pd.DataFrame]:
    frame = generate(40_000, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = ScorecardTrainer(spec=load_spec(default_spec_path())).fit(frame)
    return trainer.artifact_, frame.iloc[trainer.train_index_]


def _choose(frame: pd.DataFrame, scores: pd.Series) -> list[tuple[str, str, int]]:
    chosen: list[tuple[str, str, int]] = []
    used: set[int] = set()
    for zh, en, rule in PICKS:
        rows = [
            i
            for i in frame.index[rule(frame).fillna(False).astype(bool)]
            if i not in used
        ]
        if rows:
            chosen.append((zh, en, rows[0]))
            used.add(rows[0])
    ordered = scores.sort_values()
    for q in QUANTILES:
        i = int(ordered.index[int(q * (len(ordered) - 1))])
        if i not in used:
            chosen.append((f"评分分位{q:.0%}", f"score quantile {q:.0%}", i))
            used.add(i)
    return chosen[:20]


def _section(n: int, title: str, e: Explanation, lang: str) -> str:
    codes = ", ".join(e.codes) or "-"
    head = f"## {n}. {title}\n\n"
    meta = (
        f"`score {e.score:.0f}` `grade {e.grade}` `reference {e.reference.kind}` "
        f"`rules {e.rule_status}` `codes {codes}`\n\n"
    )
    body = "\n".join(f"> {line}" if line else ">" for line in e.text[lang].splitlines())
    return head + meta + body + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/examples"))
    args = parser.parse_args()
    card, training = _train()
    sample = generate(6_000, seed=5)
    scores = pd.Series(card.score(sample).score, index=sample.index)  # type: ignore[attr-defined]
    explainers = {
        kind: Explainer(card, make_reference(card, kind, training))  # type: ignore[arg-type]
        for kind in ("population", "cutoff", "best_bin")
    }
    ruleset = load_ruleset()
    picks = _choose(sample, scores)
    sections: dict[str, list[str]] = {"zh": [], "en": []}
    with RuleEngine(ruleset, on=dt.date(2026, 12, 1)) as engine:
        for n, (zh, en, row) in enumerate(picks, start=1):
            record = next(iter_records(sample.loc[[row]]))
            kind = (
                "cutoff" if n % 7 == 3 else "best_bin" if n % 7 == 5 else "population"
            )
            e = explainers[kind].explain(
                record.facts(), engine.evaluate(record), ruleset=ruleset
            )
            sections["zh"].append(_section(n, zh, e, "zh"))
            sections["en"].append(_section(n, en, e, "en"))
    args.out.mkdir(parents=True, exist_ok=True)
    titles = {"zh": "信用证书解释示例（中文）", "en": "Explanation examples (English)"}
    for lang, parts in sections.items():
        intro = (
            f"# {titles[lang]}\n\n"
            "Generated by `benchmarks/make_explain_examples.py` from synthetic "
            "subscribers; scorecard `subscribers-default` trained on 40,000 "
            "synthetic rows. Each block is the text an agent reads aloud.\n\n"
        )
        path = args.out / f"explanations.{lang}.md"
        path.write_text(intro + "\n".join(parts), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
