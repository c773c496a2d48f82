"""Disclosure views: per-scenario fields, a signed answer, verified on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from credcert._errors import DisclosureError, VerificationError
from credcert.signing import KeyRing, sign_document
from credcert.views import load_disclosure, partner_view, verify_view
from tests.certificates.fixtures import T0

CERT = {
    "schema": "credcert.certificate/1",
    "id": "cc-1",
    "subject": "sp1_" + "a" * 32,
    "status": "issued",
    "score": 655.0,
    "grade": "B",
    "issued_at": "2026-12-01T08:00:00Z",
    "expires_on": "2027-03-01",
    "subscores": [
        {"dimension": "identity", "points": 80.0, "percent": 90.0},
        {"dimension": "fulfilment", "points": 120.0, "percent": 70.0},
    ],
}


def _view(keyring: KeyRing, scenario: str = "deposit_free_rental") -> dict:
    cert = sign_document(CERT, keyring.active(), T0)
    return partner_view(cert, scenario, "bike-share-01", keyring.active(), T0)


def test_shipped_file_has_the_four_scenarios() -> None:
    assert set(load_disclosure().scenarios) == {
        "lending",
        "deposit_free_rental",
        "tenancy",
        "government_service",
    }


def test_view_holds_only_the_scenario_fields(keyring: KeyRing) -> None:
    assert set(_view(keyring)["fields"]) == {
        "id",
        "issued_at",
        "expires_on",
        "status",
        "grade",
    }


def test_view_never_shows_the_subject(keyring: KeyRing) -> None:
    assert CERT["subject"] not in str(_view(keyring, "lending"))


def test_view_selects_one_subscore(keyring: KeyRing) -> None:
    fields = _view(keyring, "government_service")["fields"]
    assert fields["subscores.identity"]["percent"] == 90.0


def test_view_answers_the_scenario_question(keyring: KeyRing) -> None:
    assert _view(keyring)["answer"] is True


def test_view_verifies_on_its_own(keyring: KeyRing) -> None:
    assert verify_view(_view(keyring), keyring.public()).tree_size == 1


def test_tampered_view_fails(keyring: KeyRing) -> None:
    view = _view(keyring)
    view["answer"] = False
    view["fields"]["grade"] = "A"
    with pytest.raises(VerificationError, match=r"^content_altered:"):
        verify_view(view, keyring.public())


def test_unknown_scenario_is_named(keyring: KeyRing) -> None:
    with pytest.raises(DisclosureError, match="scenario 'casino'"):
        _view(keyring, "casino")


def test_unknown_field_in_a_disclosure_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "version: '1'\nscenarios:\n  x:\n    title: {zh: 甲, en: X}\n"
        "    fields: [id, salary]\n    question:\n      text: {zh: 甲, en: X}\n"
        "      yes_when: {status: [issued], grades: [A]}\n"
    )
    with pytest.raises(DisclosureError, match="field 'salary'"):
        load_disclosure(path)


def test_subject_may_not_be_disclosed(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "version: '1'\nscenarios:\n  x:\n    title: {zh: 甲, en: X}\n"
        "    fields: [subject]\n    question:\n      text: {zh: 甲, en: X}\n"
        "      yes_when: {status: [issued], grades: [A]}\n"
    )
    with pytest.raises(DisclosureError, match="never disclosed"):
        load_disclosure(path)
