"""``credcert apikeys create / list / revoke`` and ``credcert serve``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from credcert.cli import app
from credcert.pseudonym import Pseudonymizer
from credcert.service import ApiKeys
from credcert.store import Store
from tests.certificates.fixtures import SCORECARD

runner = CliRunner()
PHONE = "13987654321"


@pytest.fixture
def demo(tmp_path: Path, credcert_home: Path) -> Path:
    """A folder laid out as ``credcert demo`` leaves it: scorecard and database."""
    folder = tmp_path / "demo"
    (folder / "scorecard").mkdir(parents=True)
    shutil.copy(SCORECARD, folder / "scorecard" / SCORECARD.name)
    Store(f"sqlite:///{folder / 'credcert.db'}").close()
    return folder


def keys(demo: Path) -> ApiKeys:
    return ApiKeys(Store(f"sqlite:///{demo / 'credcert.db'}"))


def create(demo: Path, *options: str, stdin: str | None = None) -> Any:
    return runner.invoke(
        app, ["apikeys", "create", "--demo", str(demo), *options], input=stdin
    )


def test_a_created_key_is_shown_once_and_stored_hashed(demo: Path) -> None:
    result = create(demo, "--role", "agent", "--label", "desk 7")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("cck_")
    store = keys(demo).store
    with store.engine.connect() as conn:
        dump = str(conn.execute(text("SELECT * FROM api_keys")).all())
    assert token not in dump
    assert keys(demo).authenticate(token) is not None
    listed = runner.invoke(app, ["apikeys", "list", "--demo", str(demo)])
    assert "desk 7" in listed.output
    assert token not in listed.output


def test_a_subject_key_from_a_phone_number_keeps_only_the_pseudonym(
    demo: Path, credcert_home: Path
) -> None:
    result = create(
        demo,
        *("--role", "subject", "--label", "app user"),
        *("--phone", "-", "--activated-on", "2021-03-04"),
        stdin=PHONE + "\n",
    )
    assert result.exit_code == 0, result.output
    assert PHONE not in result.output
    (key,) = keys(demo).list()
    expected = Pseudonymizer.from_home(credcert_home)
    assert key.subject == expected.subject(PHONE, dt.date(2021, 3, 4))
    with keys(demo).store.engine.connect() as conn:
        assert PHONE not in str(conn.execute(text("SELECT * FROM api_keys")).all())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--role", "owner"), "role: expected one of"),
        (("--role", "partner"), "needs at least one scenario"),
        (("--role", "partner", "--scenario", "casino"), "scenario: expected one of"),
        (("--role", "subject"), "needs the subscriber's pseudonym"),
        (("--role", "agent", "--scenario", "lending"), "only a partner key"),
        (("--role", "subject", "--phone", "12345"), "--phone: expected an 11-digit"),
    ],
)
def test_a_key_with_a_bad_scope_is_refused(
    demo: Path, options: tuple[str, ...], message: str
) -> None:
    result = create(demo, *options, "--label", "x")
    assert result.exit_code == 2
    assert message in result.output
    assert keys(demo).list() == []


def test_revoking_a_key_stops_it(demo: Path) -> None:
    token = create(demo, "--role", "risk", "--label", "r").output.splitlines()[-1]
    (key,) = keys(demo).list()
    result = runner.invoke(app, ["apikeys", "revoke", key.id, "--demo", str(demo)])
    assert result.exit_code == 0, result.output
    assert keys(demo).authenticate(token) is None
    again = runner.invoke(app, ["apikeys", "revoke", key.id, "--demo", str(demo)])
    assert again.exit_code == 2
    assert "already revoked" in again.output


def test_serve_runs_on_what_the_demo_wrote(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        started.update(options, app=app)

    monkeypatch.setattr("uvicorn.run", run)
    result = runner.invoke(app, ["serve", "--demo", str(demo), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert started["port"] == 8123
    assert started["host"] == "127.0.0.1"
    services = started["app"].state.services
    assert str(demo / "credcert.db") in services.store.url
    assert services.scorecard.name in services.issuer().versions["scorecard"]


def test_serve_says_what_to_do_without_a_demo(
    tmp_path: Path, credcert_home: Path
) -> None:
    result = runner.invoke(app, ["serve", "--demo", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "run 'credcert demo' first, or pass --scorecard" in result.output


def test_serve_with_workers_hands_its_options_to_each_process(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from credcert.service.app import SERVE_ENV, app_from_environment

    started: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **o: started.update(o, app=app))
    monkeypatch.setenv(SERVE_ENV, "")  # restored (removed) after the test
    result = runner.invoke(app, ["serve", "--demo", str(demo), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert started["app"] == "credcert.service.app:app_from_environment"
    assert started["factory"] is True
    assert started["workers"] == 2
    worker = app_from_environment()  # what each worker process builds
    services = worker.state.services
    assert str(demo / "credcert.db") in services.store.url
    with TestClient(worker) as client:
        assert client.get("/v1/health").json()["status"] == "ok"
    services.store.close()
