"""The public surface of explain/ is what it means to be."""

from __future__ import annotations

import explain

EXPECTED = {
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
}


def test_exported_names_are_the_intended_ones() -> None:
    assert set(explain.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    assert all(hasattr(explain, name) for name in explain.__all__)


def test_errors_inherit_the_builtin_they_mean() -> None:
    assert issubclass(explain.CatalogueError, ValueError)
    assert issubclass(explain.MissingReasonError, KeyError)
    assert issubclass(explain.ReferenceMismatchError, ValueError)
    assert issubclass(explain.UnknownLanguageError, ValueError)
    assert issubclass(explain.AdditivityError, ArithmeticError)


def test_explain_does_not_import_upward() -> None:
    import ast
    from pathlib import Path

    for path in Path(explain.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"credcert", "reports"}, path
