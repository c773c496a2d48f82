"""The reason-code catalogue: complete, consistent, and strict about its shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from explain import CatalogueError, default_catalogue_path, load_catalogue
from subscribers import FIELDS


def _write(tmp_path: Path, edit: Any) -> Path:
    document = yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))
    edit(document)
    path = tmp_path / "reasons.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_every_input_of_the_data_contract_has_codes() -> None:
    catalogue = load_catalogue()
    assert {spec.name for spec in FIELDS.inputs} <= set(catalogue.features)


def test_no_group_attribute_or_context_field_has_codes() -> None:
    catalogue = load_catalogue()
    assert not {spec.name for spec in FIELDS.groups} & set(catalogue.features)


def test_every_feature_has_both_directions() -> None:
    for entry in load_catalogue().features.values():
        assert {c.direction for c in entry.codes} == {"adverse", "favourable"}


def test_suggestions_exist_exactly_for_actionable_inputs() -> None:
    catalogue = load_catalogue()
    for name, entry in catalogue.features.items():
        assert (entry.suggestion is not None) == FIELDS[name].actionable, name


def test_a_code_used_twice_is_refused(tmp_path: Path) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["features"]["tenure_months"]["codes"][0]["code"] = "FUL-LATE-01"

    with pytest.raises(CatalogueError, match="FUL-LATE-01 is used by"):
        load_catalogue(_write(tmp_path, edit))


def test_a_suggestion_for_a_non_actionable_field_is_refused(tmp_path: Path) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["features"]["tenure_months"]["suggestion"] = {
            "horizon": "window",
            "months": 12,
            "text": {"zh": "未来", "en": "next"},
        }

    with pytest.raises(CatalogueError, match="tenure_months: a suggestion is only"):
        load_catalogue(_write(tmp_path, edit))


def test_a_missing_language_is_refused(tmp_path: Path) -> None:
    def edit(doc: dict[str, Any]) -> None:
        del doc["features"]["late_payments_12m"]["codes"][0]["text"]["en"]

    with pytest.raises(
        CatalogueError, match=r"FUL-LATE-01.text: expected text in \['en'\]"
    ):
        load_catalogue(_write(tmp_path, edit))


def test_a_feature_without_a_no_data_code_is_refused(tmp_path: Path) -> None:
    def edit(doc: dict[str, Any]) -> None:
        codes = doc["features"]["arrears_days"]["codes"]
        doc["features"]["arrears_days"]["codes"] = [
            c for c in codes if c.get("applies") != "missing"
        ]

    with pytest.raises(CatalogueError, match="arrears_days: expected a adverse code"):
        load_catalogue(_write(tmp_path, edit))


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "reasons.yaml"
    path.write_text("features: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="expected YAML"):
        load_catalogue(path)
