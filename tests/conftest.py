"""Shared fixtures: small synthetic subscriber tables and one headless Chromium,
made once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from subscribers.synth import generate


@pytest.fixture(scope="session")
def subscribers_frame() -> pd.DataFrame:
    """Five thousand synthetic subscribers (seed 11); treat as read-only."""
    return generate(5_000, seed=11)


CHROMIUM = Path(os.environ.get("CREDCERT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session; fails (never skips) without it.

    One only: Playwright's sync API runs its own event loop in the calling
    thread, so a second ``sync_playwright()`` started while the first is
    alive in the same process (one xdist worker) fails.
    """
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's "
            "chromium package (apt-get install chromium; scripts/test-system.sh "
            "installs it) or $CREDCERT_CHROMIUM pointing at a Chromium binary",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
