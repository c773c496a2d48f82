"""Pseudonyms: keyed, deterministic per key, per subscription, never the number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from credcert._errors import ConfigError
from credcert.pseudonym import Pseudonymizer

NUMBER = "13912345678"
DAY = dt.date(2020, 5, 1)


def test_same_key_gives_same_pseudonym() -> None:
    assert Pseudonymizer(b"a" * 32).subject(NUMBER, DAY) == Pseudonymizer(
        b"a" * 32
    ).subject(NUMBER, DAY)


def test_different_keys_give_different_pseudonyms() -> None:
    assert Pseudonymizer(b"a" * 32).subject(NUMBER, DAY) != Pseudonymizer(
        b"b" * 32
    ).subject(NUMBER, DAY)


def test_recycled_number_is_a_new_subject() -> None:
    p = Pseudonymizer(b"a" * 32)
    assert p.subject(NUMBER, DAY) != p.subject(NUMBER, dt.date(2024, 1, 1))


def test_pseudonym_does_not_contain_the_number() -> None:
    assert NUMBER not in Pseudonymizer(b"a" * 32).subject(NUMBER, DAY)


def test_short_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        Pseudonymizer(b"short")


def test_repr_hides_the_key() -> None:
    assert "aaaa" not in repr(Pseudonymizer(b"a" * 32))


def test_home_key_is_created_on_first_use(credcert_home: Path) -> None:
    Pseudonymizer.from_home()
    assert (credcert_home / "pseudonym.key").is_file()
