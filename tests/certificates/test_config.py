"""The home folder and secret files: created on first use, owner-only, no defaults."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from credcert._config import home, read_or_create_secret
from credcert._errors import ConfigError


def test_home_defaults_to_environment_variable(credcert_home: Path) -> None:
    assert home() == credcert_home


def test_secret_is_created_with_owner_only_mode(tmp_path: Path) -> None:
    path = tmp_path / "s.key"
    read_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_is_stable_once_created(tmp_path: Path) -> None:
    path = tmp_path / "s.key"
    assert read_or_create_secret(path) == read_or_create_secret(path)


def test_two_homes_get_different_secrets(tmp_path: Path) -> None:
    first = read_or_create_secret(tmp_path / "a" / "s.key")
    second = read_or_create_secret(tmp_path / "b" / "s.key")
    assert first != second


def test_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.key"
    read_or_create_secret(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="expected file mode 0600"):
        read_or_create_secret(path)


def test_malformed_secret_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "s.key"
    path.write_text("not-hex-secret-value")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="expected 64 hexadecimal") as info:
        read_or_create_secret(path)
    assert "not-hex-secret-value" not in str(info.value)
