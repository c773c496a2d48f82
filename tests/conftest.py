"""Shared fixtures: small synthetic subscriber tables, made once per session."""

from __future__ import annotations

import pandas as pd
import pytest

from subscribers.synth import generate


@pytest.fixture(scope="session")
def subscribers_frame() -> pd.DataFrame:
    """Five thousand synthetic subscribers (seed 11); treat as read-only."""
    return generate(5_000, seed=11)
