"""Explanations: exact contributions, reason codes, plain language, suggestions.

The scorecard's points are affine in WOE, so each feature's SHAP value in
points is ``points_j - reference_j`` exactly; ``shap.LinearExplainer`` on the
WOE matrix is the independent check. Contributions become ranked, stable
reason codes (``explain/reasons.yaml``), plain-language sentences in Chinese
and English (Jinja2 templates under ``explain/templates/``) and suggestions
for what the subscriber can change from now on. Rule flags are explained
apart, with their legal basis. See ``docs/explain.md``.

What the certificate issuer and reports call:

- :class:`Explainer` (``explain``, ``reason_codes``, ``render``), built once
  per artifact and reference; :func:`explain_subject` and
  :func:`reason_codes` for one-off use;
- :func:`make_reference` / :func:`load_reference` for the reference;
- :class:`Renderer` to re-render a stored :class:`Explanation`.
"""

from explain._catalogue import (
    CodeEntry,
    FeatureReasons,
    ReasonCatalogue,
    SuggestionEntry,
    default_catalogue_path,
    load_catalogue,
)
from explain._contrib import (
    BatchContributions,
    SubjectContributions,
    check_with_shap,
    contributions_frame,
    contributions_from_bins,
    contributions_one,
    points_table,
    shap_contributions,
)
from explain._errors import (
    AdditivityError,
    CatalogueError,
    ExplainError,
    MissingReasonError,
    ReferenceMismatchError,
    UnknownLanguageError,
)
from explain._explain import (
    ExplainConfig,
    Explainer,
    explain_subject,
    flags_of,
    reason_codes,
)
from explain._explanation import (
    EXPLANATION_SCHEMA,
    BinInfo,
    Explanation,
    FeatureContribution,
    LegalRef,
    Reason,
    ReferenceInfo,
    RuleFlag,
    Suggestion,
)
from explain._reasons import MAX_REASONS, BatchReasons
from explain._reference import (
    REFERENCE_KINDS,
    REFERENCE_SCHEMA,
    Reference,
    background_reference,
    best_bin_reference,
    cutoff_reference,
    load_reference,
    make_reference,
    population_reference,
)
from explain._render import FORMATS, Renderer, default_renderer
from explain._suggest import BatchSuggestions

__all__ = [
    "EXPLANATION_SCHEMA",
    "FORMATS",
    "MAX_REASONS",
    "REFERENCE_KINDS",
    "REFERENCE_SCHEMA",
    "AdditivityError",
    "BatchContributions",
    "BatchReasons",
    "BatchSuggestions",
    "BinInfo",
    "CatalogueError",
    "CodeEntry",
    "ExplainConfig",
    "ExplainError",
    "Explainer",
    "Explanation",
    "FeatureContribution",
    "FeatureReasons",
    "LegalRef",
    "MissingReasonError",
    "Reason",
    "ReasonCatalogue",
    "Reference",
    "ReferenceInfo",
    "ReferenceMismatchError",
    "Renderer",
    "RuleFlag",
    "SubjectContributions",
    "Suggestion",
    "SuggestionEntry",
    "UnknownLanguageError",
    "background_reference",
    "best_bin_reference",
    "check_with_shap",
    "contributions_frame",
    "contributions_from_bins",
    "contributions_one",
    "cutoff_reference",
    "default_catalogue_path",
    "default_renderer",
    "explain_subject",
    "flags_of",
    "load_catalogue",
    "load_reference",
    "make_reference",
    "points_table",
    "population_reference",
    "reason_codes",
    "shap_contributions",
]
