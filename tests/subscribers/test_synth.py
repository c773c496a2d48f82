"""The synthetic generator: deterministic, valid, realistic, with a true oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from subscribers import FIELDS, validate_frame
from subscribers.synth import ORACLE, TARGET, generate


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return generate(200_000, seed=5)


def test_same_seed_gives_the_same_frame() -> None:
    pd.testing.assert_frame_equal(generate(2_000, seed=3), generate(2_000, seed=3))


def test_other_seed_gives_other_subscribers() -> None:
    a, b = generate(2_000, seed=3), generate(2_000, seed=4)
    assert not a["tenure_months"].equals(b["tenure_months"])


def test_generated_rows_satisfy_the_data_contract(large: pd.DataFrame) -> None:
    typed = validate_frame(large, allow=(TARGET, ORACLE))
    assert len(typed) == len(large)


def test_rows_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="rows must be at least 1; got 0"):
        generate(0)


def test_fraud_sms_involvement_is_rare(large: pd.DataFrame) -> None:
    share = large["fraud_sms_confirmed"].mean()
    assert 0.01 <= share <= 0.03


def test_default_rate_is_that_of_a_prime_mobile_book(large: pd.DataFrame) -> None:
    assert 0.03 <= large[TARGET].mean() <= 0.10


def test_tenure_grows_with_age(large: pd.DataFrame) -> None:
    medians = large.groupby("age_band", observed=True)["tenure_months"].median()
    ordered = medians.reindex(FIELDS["age_band"].categories).to_numpy(dtype=float)
    assert np.all(np.diff(ordered) > 0)


def test_arrears_go_with_late_payments_and_suspensions(large: pd.DataFrame) -> None:
    in_arrears = large["arrears_amount_cny"].astype(float) > 0
    late = large["late_payments_12m"].astype(float)
    suspended = large["arrears_suspensions_24m"].astype(float)
    assert late[in_arrears].mean() > 2 * late[~in_arrears].mean()
    assert suspended[in_arrears].mean() > 2 * suspended[~in_arrears].mean()


def test_absent_sources_leave_their_fields_missing(large: pd.DataFrame) -> None:
    no_platform = large["platform_as_of"].isna()
    assert 0.3 < no_platform.mean() < 0.5
    assert large.loc[no_platform, "platform_defaults_24m"].isna().all()
    assert large.loc[~no_platform, "platform_defaults_24m"].notna().all()


def test_some_subscribers_withdrew_platform_consent_yet_have_data(
    large: pd.DataFrame,
) -> None:
    used = large["platform_as_of"].notna() & ~large["consent_platform_credit"]
    assert 0 < used.mean() < 0.01


def test_oracle_is_calibrated_log_odds(large: pd.DataFrame) -> None:
    x = sm.add_constant(large[ORACLE].to_numpy())
    fit = sm.Logit(large[TARGET].to_numpy(), x).fit(disp=0)
    intercept, slope = fit.params
    assert abs(slope - 1) < 3 * fit.bse[1]
    assert abs(intercept) < 3 * fit.bse[0]


def test_outcome_depends_on_observed_fields_only(large: pd.DataFrame) -> None:
    inputs = [spec.name for spec in FIELDS.inputs]
    oracle_per_profile = large.groupby(inputs, dropna=False, observed=True)[
        ORACLE
    ].nunique()
    assert oracle_per_profile.max() == 1
