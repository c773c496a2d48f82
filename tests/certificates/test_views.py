"""Disclosure views: per-scenario fields and the policy answer, verified alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from credcert._errors import DisclosureError, VerificationError
from credcert.policies import PolicyFileError, default_policy_path
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


def test_view_answers_with_the_scenario_policy(keyring: KeyRing) -> None:
    view = _view(keyring)
    assert (view["answer"], view["policy_version"]) == ("yes", 1)


def test_view_follows_the_current_status(keyring: KeyRing) -> None:
    cert = sign_document({**CERT, "status": "revoked"}, keyring.active(), T0)
    view = partner_view(cert, "deposit_free_rental", "bike-01", keyring.active(), T0)
    assert view["answer"] == "no"


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


def test_unknown_field_in_a_policy_view_is_named(tmp_path: Path) -> None:
    source = default_policy_path() / "deposit_free_rental.yaml"
    text = source.read_text("utf-8").replace(
        "view_fields: [id, issued_at", "view_fields: [salary, issued_at"
    )
    (tmp_path / "rental.yaml").write_text(text, "utf-8")
    with pytest.raises(
        PolicyFileError, match=r"rental.yaml:\d+: schema: view_fields 'salary'"
    ):
        load_disclosure(tmp_path)


def test_no_policy_in_force_is_a_disclosure_error(keyring: KeyRing) -> None:
    cert = sign_document(CERT, keyring.active(), T0)
    early = T0.replace(year=2025)
    with pytest.raises(DisclosureError, match="no version is in force on 2025-12-01"):
        partner_view(cert, "lending", "bank-01", keyring.active(), early)
