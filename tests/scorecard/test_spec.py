"""The spec loader: the shipped spec, file:line errors, forbidden features."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scorecard import (
    ForbiddenFeatureError,
    SpecError,
    default_spec_path,
    load_spec,
)


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_spec_path().read_text("utf-8"))
    return data


def test_shipped_spec_covers_the_five_dimensions() -> None:
    spec = load_spec(default_spec_path())
    dimensions = {f.dimension for f in spec.features}
    assert dimensions == {
        "identity",
        "stability",
        "fulfilment",
        "compliance",
        "platform",
    }


def test_shipped_spec_takes_dtypes_from_the_contract() -> None:
    spec = load_spec(default_spec_path())
    assert spec.feature("platform_credit_level").dtype == "categorical"
    assert spec.feature("tenure_months").dtype == "numerical"


def test_cutoff_grade_resolves_to_its_minimum_score() -> None:
    spec = load_spec(default_spec_path())
    band = next(g for g in spec.grades if g.grade == spec.cutoff.grade)
    assert spec.cutoff_score == band.min_score


@pytest.mark.parametrize("name", ["age_band", "region", "migrant"])
def test_group_attribute_is_refused_as_a_feature(
    tmp_path: Path, raw: dict[str, Any], name: str
) -> None:
    raw["features"].append({"name": name})
    with pytest.raises(ForbiddenFeatureError, match=f"'{name}' is a group attribute"):
        load_spec(_write(tmp_path, raw))


def test_context_field_is_refused_as_a_feature(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    raw["features"].append({"name": "consent_billing"})
    with pytest.raises(ForbiddenFeatureError, match="context field"):
        load_spec(_write(tmp_path, raw))


def test_forbidden_feature_error_names_file_line_and_field(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    raw["features"].insert(0, {"name": "region"})
    path = _write(tmp_path, raw)
    line = next(
        i
        for i, text in enumerate(path.read_text().splitlines(), 1)
        if "name: region" in text
    )
    with pytest.raises(
        ForbiddenFeatureError, match=rf"spec.yaml:{line}: features\[0\].name:"
    ):
        load_spec(path)


def test_unknown_subscriber_field_is_refused(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    raw["features"].append({"name": "shoe_size"})
    with pytest.raises(SpecError, match="'shoe_size', which is not in the catalogue"):
        load_spec(_write(tmp_path, raw))


def test_bad_monotonic_trend_reports_line_and_field_path(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    raw["features"][1]["monotonic_trend"] = "upward"
    path = _write(tmp_path, raw)
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "upward" in text
    )
    with pytest.raises(
        SpecError,
        match=rf"spec.yaml:{line}: features\[1\].monotonic_trend: .*'upward'",
    ):
        load_spec(path)


def test_dimension_contradicting_the_contract_is_refused(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    raw["features"][0]["dimension"] = "platform"
    with pytest.raises(SpecError, match="expected the contract's dimension 'identity'"):
        load_spec(_write(tmp_path, raw))


def test_cutoff_grade_must_exist(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["grades"] = raw["grades"][:3]
    raw["cutoff"] = {"grade": "E"}
    with pytest.raises(SpecError, match=r"cutoff.grade: expected one of"):
        load_spec(_write(tmp_path, raw))


def test_grades_must_fall_from_the_best(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["grades"][0]["min_score"] = 500
    with pytest.raises(SpecError, match="min_score falling from best grade"):
        load_spec(_write(tmp_path, raw))


def test_score_range_must_be_ordered(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["scaling"]["score_min"] = 950
    with pytest.raises(SpecError, match="score_min must be below score_max"):
        load_spec(_write(tmp_path, raw))


def test_duplicate_feature_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["features"].append(dict(raw["features"][0]))
    with pytest.raises(SpecError, match="each name once"):
        load_spec(_write(tmp_path, raw))


def test_unknown_key_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["scaling"]["pdq"] = 20
    with pytest.raises(SpecError, match=r"scaling.pdq: Extra inputs are not permitted"):
        load_spec(_write(tmp_path, raw))


def test_table_feature_needs_a_dimension(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["dataset"] = {"kind": "table", "path": "x.csv", "target": "bad"}
    raw["features"] = [{"name": "income"}]
    with pytest.raises(
        SpecError, match=r"features\[0\].dimension: expected a dimension"
    ):
        load_spec(_write(tmp_path, raw))


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nfeatures: [\n  - a\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken.yaml:\d+: not valid YAML"):
        load_spec(path)


def test_unsorted_fixed_splits_are_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["features"][3]["splits"] = [2.5, 1.5]
    with pytest.raises(SpecError, match="strictly increasing"):
        load_spec(_write(tmp_path, raw))


def test_relative_dataset_path_is_read_beside_the_spec(german_spec_path: Path) -> None:
    spec = load_spec(german_spec_path)
    assert spec.dataset.path == str(german_spec_path.parent / "german_credit.csv")
