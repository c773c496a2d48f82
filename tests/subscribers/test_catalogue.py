"""The field catalogue: one list of fields, each with its full metadata."""

from __future__ import annotations

import pytest

from subscribers import (
    FIELDS,
    BannedAttributeError,
    DataCategory,
    Dimension,
    FieldKind,
    FieldSpec,
    Role,
    build_catalogue,
)


def test_catalogue_has_at_least_twenty_inputs_over_all_five_dimensions() -> None:
    assert len(FIELDS.inputs) >= 20
    assert {spec.dimension for spec in FIELDS.inputs} == set(Dimension)


@pytest.mark.parametrize("spec", FIELDS.values(), ids=lambda s: s.name)
def test_every_field_carries_its_metadata(spec: FieldSpec) -> None:
    assert spec.zh
    assert spec.en
    assert isinstance(spec.category, DataCategory)
    if spec.numeric:
        assert spec.low is not None
        assert spec.high is not None
        assert spec.unit
    if spec.role is Role.INPUT:
        assert spec.dimension is not None
        assert spec.source is not None


def test_group_attributes_are_never_inputs() -> None:
    names = {spec.name for spec in FIELDS.groups}
    assert names == {"age_band", "region", "migrant"}
    assert names.isdisjoint(spec.name for spec in FIELDS.inputs)


@pytest.mark.parametrize(
    "name",
    [
        "religion",
        "ethnicity",
        "health_score",
        "biometric_hash",
        "political_views",
        "face_match",
    ],
)
def test_banned_attribute_cannot_be_declared(name: str) -> None:
    spec = FieldSpec(
        name=name,
        kind=FieldKind.INT,
        role=Role.INPUT,
        category=DataCategory.TELECOM_USAGE,
        zh="x",
        en="x",
        dimension=Dimension.STABILITY,
        low=0,
        high=1,
        unit="x",
    )
    with pytest.raises(BannedAttributeError, match=f"field '{name}'.*banned"):
        build_catalogue([spec])


def test_group_attribute_with_a_dimension_is_refused() -> None:
    spec = FieldSpec(
        name="age_group",
        kind=FieldKind.CATEGORY,
        role=Role.GROUP,
        category=DataCategory.DEMOGRAPHIC,
        zh="x",
        en="x",
        dimension=Dimension.STABILITY,
        categories=("a",),
    )
    with pytest.raises(ValueError, match="group attribute has no dimension"):
        build_catalogue([spec])


def test_numeric_field_without_range_is_refused() -> None:
    spec = FieldSpec(
        name="calls",
        kind=FieldKind.INT,
        role=Role.INPUT,
        category=DataCategory.TELECOM_USAGE,
        zh="x",
        en="x",
        dimension=Dimension.STABILITY,
    )
    with pytest.raises(ValueError, match="'calls': a numeric field needs a range"):
        build_catalogue([spec])


def test_duplicate_field_is_refused() -> None:
    spec = FIELDS["tenure_months"]
    with pytest.raises(ValueError, match="'tenure_months' is declared twice"):
        build_catalogue([spec, spec])


def test_only_platform_credit_needs_separate_consent() -> None:
    needing = {c for c in DataCategory if c.separate_consent}
    assert needing == {DataCategory.PLATFORM_CREDIT}


def test_dimension_names_are_chinese_words() -> None:
    assert Dimension.FULFILMENT.zh == "信用履约"
