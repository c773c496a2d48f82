"""The ``credcert rules`` commands: exit codes and what they print or write."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from credcert.commands.rules import app
from rules import default_path
from tests.rules.helpers import DATA

runner = CliRunner()


def test_check_passes_the_default_rule_set() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert "no problems" in result.output


def test_check_fails_with_every_problem_as_file_line() -> None:
    path = DATA / "bad_conditions.yaml"
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    for line in (20, 21, 35, 51, 63, 78, 91, 95, 96):
        assert f"bad_conditions.yaml:{line}:" in result.output


def test_test_runs_every_example() -> None:
    result = runner.invoke(app, ["test"])
    assert result.exit_code == 0
    assert "40 of 40 examples pass" in result.output


def test_test_fails_on_a_bad_rule_set() -> None:
    result = runner.invoke(app, ["test", str(DATA / "bad_schema.yaml")])
    assert result.exit_code == 1
    assert "bad_schema.yaml:20:" in result.output


def test_doc_writes_the_rulebook(tmp_path: Path) -> None:
    out = tmp_path / "rulebook.html"
    result = runner.invoke(app, ["doc", "--out", str(out)])
    assert result.exit_code == 0
    assert "IDN-001" in out.read_text("utf-8")


def test_diff_says_what_changed_in_plain_words(tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(default_path(), new)
    rules_file = new / "compliance.yaml"
    text = rules_file.read_text("utf-8")
    rules_file.write_text(text.replace("value: 5}", "value: 3}"), "utf-8")
    html = tmp_path / "diff.html"
    result = runner.invoke(
        app, ["diff", str(default_path()), str(new), "--html", str(html)]
    )
    assert result.exit_code == 0
    assert "Changed CMP-003 v1 without a new version" in result.output
    assert "is at least 5 times -> " in result.output
    assert "CMP-003" in html.read_text("utf-8")
