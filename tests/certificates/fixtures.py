"""Fixtures shared by the certificate and store tests: home folder, keys, databases.

The PostgreSQL case of :func:`database` reads ``CREDCERT_TEST_POSTGRES_URL``
(``make test`` sets it from ``scripts/test-system.sh``) and fails, never skips,
when it is missing. Each test gets a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from credcert.signing import KeyRing
from credcert.store import Store

POSTGRES_ENV = "CREDCERT_TEST_POSTGRES_URL"
#: A fixed moment for signing in tests.
T0 = dt.datetime(2026, 12, 1, 8, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def credcert_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh credcert home folder, set as ``$CREDCERT_HOME``."""
    folder = tmp_path / "home"
    monkeypatch.setenv("CREDCERT_HOME", str(folder))
    return folder


@pytest.fixture
def keyring(credcert_home: Path) -> KeyRing:
    """A key ring with one active key, created at ``T0 - 1 day``."""
    return KeyRing.open(credcert_home / "keys", now=T0 - dt.timedelta(days=1))


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(
            f"{POSTGRES_ENV} is not set: the database tests run against "
            "PostgreSQL too. Run 'make test', or export the URL that "
            "'bash scripts/test-system.sh' prints."
        )
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict]:
    """Where a test's database lives: a SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield {"url": f"sqlite:///{tmp_path / 'credcert.db'}", "schema": None}
        return
    url = postgres_url()
    schema = f"credcert_t_{uuid.uuid4().hex[:12]}"
    yield {"url": url, "schema": schema}
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture
def store(database: dict) -> Iterator[Store]:
    """A migrated, empty database."""
    opened = Store(database["url"], schema=database["schema"])
    yield opened
    opened.close()


DATA = Path(__file__).parent / "data"
SCORECARD = DATA / "scorecard.json"


@pytest.fixture(scope="session")
def scorecard():  # type: ignore[no-untyped-def]
    """A small scorecard artifact trained on 30k synthetic subscribers."""
    from scorecard import load_artifact

    return load_artifact(SCORECARD)


@pytest.fixture(scope="session")
def rule_engine():  # type: ignore[no-untyped-def]
    from rules import RuleEngine, load_ruleset

    return RuleEngine(load_ruleset(), on=T0.date())


@pytest.fixture(scope="session")
def pseudonymizer():  # type: ignore[no-untyped-def]
    from credcert.pseudonym import Pseudonymizer

    return Pseudonymizer(b"test-pseudonym-key-0123456789abcdef")


@pytest.fixture(scope="session")
def records(subscribers_frame):  # type: ignore[no-untyped-def]
    """Validated records of the shared synthetic frame (first 1500)."""
    from subscribers import iter_records

    frame = subscribers_frame.drop(columns=["default_12m", "oracle_logodds"])
    return list(iter_records(frame.iloc[:1500]))


@pytest.fixture
def issuer(rule_engine, scorecard, pseudonymizer, keyring):  # type: ignore[no-untyped-def]
    from credcert.issue import Issuer

    return Issuer(
        rules=rule_engine,
        scorecard=scorecard,
        pseudonymizer=pseudonymizer,
        keys=keyring,
    )
