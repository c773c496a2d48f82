"""The public names of the certificate domain are the intended ones."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "credcert.batch": {
        "MANIFEST",
        "BatchReport",
        "BatchSettings",
        "issue_file",
        "read_certificates",
    },
    "credcert.issue": {
        "DEFAULT_VALID_DAYS",
        "SEALED_SCHEMA",
        "IssueContext",
        "Issued",
        "Issuer",
        "Replayed",
        "certificate_id",
        "certificate_row",
        "combine_status",
        "issue_certificate",
        "issue_prepared",
        "issue_stored",
        "record_from_sealed",
        "replay",
    },
    "credcert.pipeline": {
        "CertificateRun",
        "PolicyReport",
        "run_certificates",
        "write_policy_report",
    },
    "credcert.pseudonym": {"PREFIX", "Pseudonymizer"},
    "credcert.store": {
        "CERTIFICATE_STATUSES",
        "DISPUTE_DAYS",
        "HEAD_REVISION",
        "LOG_GUARD_TRIGGERS",
        "Store",
        "StoredCertificate",
        "metadata",
    },
    "credcert.views": {
        "VIEW_SCHEMA",
        "Disclosure",
        "default_disclosure_path",
        "load_disclosure",
        "partner_view",
        "verify_view",
    },
    "credcert.commands.certificates": {"register"},
    "credcert.consent": {
        "CATEGORIES",
        "PURPOSES",
        "ConsentState",
        "apply_consents",
        "check_purpose",
        "consent_history",
        "consent_states",
        "record_consent",
    },
    "credcert.disputes": {
        "DISPUTE_FIELDS",
        "OUTCOMES",
        "apply_corrections",
        "dispute",
        "disputes_of",
        "list_disputes",
        "open_dispute",
        "resolve_dispute",
    },
    "credcert.review": {
        "AUTOMATED_ISSUING",
        "DECISIONS",
        "FINAL_STATUSES",
        "automated_issuing",
        "decide_review",
        "enqueue",
        "held_cause",
        "review_queue",
        "reviewed_content",
        "reviews_of",
        "set_automated_issuing",
    },
    "credcert.retention": {
        "NEGATIVE_FIELDS",
        "RetentionReport",
        "clean_negative",
        "held_inputs",
        "held_inputs_of_subject",
        "run_retention",
    },
    "credcert.access": {
        "EXPORT_SCHEMA",
        "export_subject",
        "queries_for",
        "record_query",
    },
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_module_exports_exactly_its_public_names(module: str) -> None:
    assert set(importlib.import_module(module).__all__) == PUBLIC[module]


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_every_exported_name_exists(module: str) -> None:
    loaded = importlib.import_module(module)
    assert [n for n in loaded.__all__ if not hasattr(loaded, n)] == []


def test_every_error_is_also_a_builtin_error() -> None:
    from credcert import _errors

    classes = [getattr(_errors, name) for name in _errors.__all__]
    builtin = (ValueError, KeyError, RuntimeError)
    assert all(
        issubclass(c, builtin) for c in classes if c is not _errors.CredcertError
    )
