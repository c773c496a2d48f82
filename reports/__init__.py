"""Human-facing documents rendered from what the layers below produce.

Every page is one self-contained HTML file (inline CSS, charts as embedded
SVG drawn by matplotlib with a CJK font), readable on screen and printable:
the scorecard development report, the monitoring and fairness reports, the
subscriber's certificate document (Chinese or English) and the regulator's
rulebook. See ``docs/reports.md``.
"""

from reports._certificate import CertificateDocument, render_certificate
from reports._charts import CJK_FONT_ENV, CJK_FONT_PACKAGE, cjk_font
from reports._env import LANGUAGES, environment, labels, render_page, write_page
from reports._errors import (
    FontMissingError,
    PrivacyError,
    ReportError,
    ReportInputError,
)
from reports._fairness import (
    DEFAULT_GROUPS,
    FOUR_FIFTHS,
    AttributeFairness,
    FairnessAnalysis,
    analyse_fairness,
    render_fairness_report,
)
from reports._monitor import FLAG_WORDS, render_monitoring_report
from reports._scorecard import IV_STRENGTH, iv_strength, render_scorecard_report
from reports.rulebook import render_rule_diff, render_rulebook

__all__ = [
    "CJK_FONT_ENV",
    "CJK_FONT_PACKAGE",
    "DEFAULT_GROUPS",
    "FLAG_WORDS",
    "FOUR_FIFTHS",
    "IV_STRENGTH",
    "LANGUAGES",
    "AttributeFairness",
    "CertificateDocument",
    "FairnessAnalysis",
    "FontMissingError",
    "PrivacyError",
    "ReportError",
    "ReportInputError",
    "analyse_fairness",
    "cjk_font",
    "environment",
    "iv_strength",
    "labels",
    "render_certificate",
    "render_fairness_report",
    "render_monitoring_report",
    "render_page",
    "render_rule_diff",
    "render_rulebook",
    "render_scorecard_report",
    "write_page",
]
