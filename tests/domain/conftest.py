"""Fixtures of the certificate-domain tests (defined in ``tests/certificates``)."""

from tests.certificates.fixtures import (  # noqa: F401 - fixtures are found by name
    credcert_home,
    database,
    issuer,
    keyring,
    pseudonymizer,
    records,
    rule_engine,
    scorecard,
    store,
)
