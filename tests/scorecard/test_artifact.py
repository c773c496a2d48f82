"""The artifact file: round trip, checksum, no optbinning needed to load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scorecard import (
    ArtifactError,
    ChecksumError,
    ScorecardArtifact,
    content_sha256,
    load_artifact,
)


def test_saved_artifact_loads_equal(
    artifact: ScorecardArtifact, artifact_path: Path
) -> None:
    assert load_artifact(artifact_path) == artifact


def test_checksum_covers_the_content(artifact_path: Path) -> None:
    document = json.loads(artifact_path.read_text("utf-8"))
    assert document["sha256"] == content_sha256(document)


def test_hand_edited_points_are_refused(artifact_path: Path, tmp_path: Path) -> None:
    document = json.loads(artifact_path.read_text("utf-8"))
    document["features"][0]["bins"][0]["points"] += 5.0
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document, indent=1), encoding="utf-8")
    with pytest.raises(ChecksumError, match=r"edited\.json: sha256: the content does"):
        load_artifact(edited)


def test_corrupted_bytes_are_refused(artifact_path: Path, tmp_path: Path) -> None:
    text = artifact_path.read_text("utf-8").replace('"pdo": 40.0', '"pdo": 40.5')
    corrupted = tmp_path / "corrupted.json"
    corrupted.write_text(text, encoding="utf-8")
    with pytest.raises(ChecksumError, match="corrupted or edited by hand"):
        load_artifact(corrupted)


def test_reindented_artifact_still_loads(artifact_path: Path, tmp_path: Path) -> None:
    document = json.loads(artifact_path.read_text("utf-8"))
    again = tmp_path / "reindented.json"
    again.write_text(json.dumps(document, indent=4, ensure_ascii=True), "utf-8")
    assert load_artifact(again).sha256 == document["sha256"]


def test_truncated_file_is_refused_with_its_line(
    artifact_path: Path, tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.json"
    truncated.write_text(artifact_path.read_text("utf-8")[:500], "utf-8")
    with pytest.raises(ArtifactError, match=r"truncated.json:\d+: expected JSON"):
        load_artifact(truncated)


def test_unknown_schema_is_refused(artifact_path: Path, tmp_path: Path) -> None:
    document = json.loads(artifact_path.read_text("utf-8"))
    document["schema_version"] = "credcert.scorecard/0"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document), "utf-8")
    with pytest.raises(ArtifactError, match="schema_version: expected"):
        load_artifact(old)


def test_artifact_is_readable_text_without_pickle(artifact_path: Path) -> None:
    text = artifact_path.read_text("utf-8")
    assert text.startswith("{\n")
    assert "信用良好" in text  # grade names kept readable, not escaped


def test_loading_and_scoring_need_neither_optbinning_nor_statsmodels(
    artifact_path: Path,
) -> None:
    code = (
        "import sys\n"
        "sys.modules['optbinning'] = None\n"
        "sys.modules['statsmodels'] = None\n"
        "from scorecard import load_artifact\n"
        f"card = load_artifact({str(artifact_path)!r})\n"
        "print(card.score_one({'tenure_months': 120}).grade)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in {"A", "B", "C", "D", "E"}


def test_artifact_records_the_training_data_fingerprint(
    artifact: ScorecardArtifact,
) -> None:
    assert len(artifact.data.sha256) == 64
    assert artifact.data.target == "default_12m"
    assert artifact.data.columns[-1] == "default_12m"
