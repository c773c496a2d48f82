"""Synthetic subscribers with a known risk model, for demos, tests and benchmarks.

No public data of this kind exists. The generator draws a latent risk
propensity per subscriber, lets it shape every observed field (so fields are
correlated the way real ones are), and then draws the 12-month default from
a model that uses *only the observed fields*. The true log-odds it writes
(``oracle_logodds``) is therefore exactly the best any model on those fields
can do. The generating model is documented in ``docs/synthetic-data.md``.

Everything is vectorised with numpy and deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from subscribers._catalogue import (
    CATEGORY_SOURCE,
    FIELDS,
    DataCategory,
    FieldKind,
    Role,
    Source,
)
from subscribers._record import as_of_column, consent_column, record_columns

__all__ = ["ORACLE", "TARGET", "generate"]

#: Column of the 12-month default outcome (1 = defaulted).
TARGET = "default_12m"
#: Column of the true log-odds of default given the observed fields.
ORACLE = "oracle_logodds"

DEFAULT_EVALUATION_DATE = dt.date(2026, 11, 30)

_AGE_BANDS = FIELDS["age_band"].categories
_AGE_BAND_P = (0.14, 0.30, 0.25, 0.21, 0.10)
_AGE_BAND_YEARS = ((18, 25), (25, 35), (35, 45), (45, 60), (60, 80))
_REGIONS = FIELDS["region"].categories
_REGION_P = (0.42, 0.28, 0.20, 0.10)
_PLATFORM_LEVELS = FIELDS["platform_credit_level"].categories
_PLATFORM_LOGODDS = np.array([-0.6, -0.2, 0.3, 0.9])
_INTERCEPT = -3.35


def generate(
    rows: int,
    seed: int = 0,
    evaluation_date: dt.date = DEFAULT_EVALUATION_DATE,
) -> pd.DataFrame:
    """Generate ``rows`` synthetic subscriber records.

    Parameters
    ----------
    rows : int
        Number of subscribers, at least 1.
    seed : int
        Seed of the random generator; the same seed gives the same frame.
    evaluation_date : datetime.date
        The date every record is evaluated on.

    Returns
    -------
    pandas.DataFrame
        The record columns of the data contract (``record_columns()``) plus
        ``default_12m`` and ``oracle_logodds``. Missing values are ``<NA>``.

    Examples
    --------
    >>> frame = generate(1000, seed=7)
    >>> frame.shape[0], 0.03 < frame["default_12m"].mean() < 0.15
    (1000, True)
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1; got {rows}")
    rng = np.random.default_rng(seed)
    n = rows
    z = rng.standard_normal(n)
    out: dict[str, Any] = {}

    band = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_BAND_P)
    lo, hi = np.array(_AGE_BAND_YEARS).T
    age = lo[band] + rng.random(n) * (hi[band] - lo[band])
    migrant = rng.random(n) < np.where(age < 35, 0.28, 0.12)
    out["age_band"] = np.array(_AGE_BANDS, dtype=object)[band]
    out["region"] = np.array(_REGIONS, dtype=object)[
        rng.choice(len(_REGIONS), size=n, p=_REGION_P)
    ]
    out["migrant"] = migrant

    # -- stability: tenure grows with age, shorter for migrants and risky z
    max_tenure = (age - 16.0) * 12.0
    share = rng.beta(2.0, 1.6, n) * np.exp(-0.15 * z) * np.where(migrant, 0.6, 1.0)
    tenure = np.clip(np.floor(np.minimum(share, 1.0) * max_tenure), 0, 600)
    out["tenure_months"] = tenure.astype(np.int64)
    out["number_changes_24m"] = _poisson(rng, 0.15 * np.exp(0.5 * z) + 0.2 * migrant)
    silent = rng.exponential(4.0 * np.exp(0.6 * z)) * (rng.random(n) < 0.35)
    out["silent_days_12m"] = np.minimum(np.floor(silent), 366).astype(np.int64)
    out["device_changes_12m"] = _poisson(rng, 0.5 * np.exp(0.3 * z), high=100)

    # -- identity
    out["real_name_verified"] = rng.random(n) >= _sigmoid(-4.2 + 0.8 * z)
    id_draw = rng.random(n)
    mismatch = id_draw < _sigmoid(-6.0 + 1.0 * z)
    not_checked = ~mismatch & (id_draw < 0.05)
    out["id_check_result"] = np.where(
        mismatch, "mismatch", np.where(not_checked, "not_checked", "match")
    ).astype(object)
    out["identity_misuse_reports"] = _poisson(rng, 0.01 * np.exp(z), high=50)
    out["numbers_under_same_id"] = 1 + _poisson(rng, 0.25 * np.exp(0.4 * z), high=19)

    # -- fulfilment: arrears go with late payments and suspensions
    bills = np.minimum(12, np.maximum(1, tenure)).astype(np.int64)
    late = rng.binomial(bills, _sigmoid(-3.4 + 1.1 * z))
    out["late_payments_12m"] = late
    out["on_time_payment_ratio_12m"] = np.round((bills - late) / bills, 4)
    in_arrears = rng.random(n) < _sigmoid(-3.6 + 0.9 * z + 0.35 * late)
    amount = np.round(rng.lognormal(np.log(60.0) + 0.3 * z, 0.9), 2)
    out["arrears_amount_cny"] = np.where(in_arrears, np.minimum(amount, 1e6), 0.0)
    arrears_days = np.floor(rng.exponential(25.0 * np.exp(0.5 * z)))
    arrears_days = np.where(rng.random(n) < 0.002, 1900 + arrears_days, arrears_days)
    out["arrears_days"] = np.where(in_arrears, np.minimum(arrears_days, 3650), 0)
    suspensions = _poisson(rng, 0.04 * np.exp(z) + 0.25 * in_arrears, high=24)
    out["arrears_suspensions_24m"] = suspensions
    out["malicious_unsubscriptions_24m"] = _poisson(
        rng, 0.02 * np.exp(0.8 * z), high=50
    )

    # -- compliance: confirmed fraud-SMS involvement is rare (about 2 %)
    fraud = rng.random(n) < _sigmoid(-4.4 + 0.9 * z)
    out["fraud_sms_confirmed"] = fraud
    out["fraud_sms_reports_12m"] = _poisson(rng, 0.05 + 6.0 * fraud, high=1000)
    out["high_risk_apps"] = _poisson(rng, 0.3 * np.exp(0.5 * z), high=100)
    out["abnormal_logins_90d"] = _poisson(rng, 0.4 * np.exp(0.6 * z), high=1000)
    out["fake_registrations_12m"] = _poisson(rng, 0.04 * np.exp(0.8 * z), high=100)
    out["order_brushing_12m"] = _poisson(rng, 0.05 * np.exp(0.7 * z), high=100)

    # -- platform credit: only with separate consent, and not everyone has it
    level_score = 0.9 * z + rng.standard_normal(n) * 0.7
    out["platform_credit_level"] = np.array(_PLATFORM_LEVELS, dtype=object)[
        np.digitize(level_score, [-0.6, 0.3, 1.2])
    ]
    out["shared_mobility_violations_12m"] = _poisson(
        rng, 0.2 * np.exp(0.5 * z), high=100
    )
    out["platform_defaults_24m"] = _poisson(rng, 0.04 * np.exp(0.9 * z), high=50)

    present = _sources_and_consents(rng, out, n, evaluation_date)
    logodds = _oracle_logodds(out, present)
    out[ORACLE] = logodds
    out[TARGET] = (rng.random(n) < _sigmoid(logodds)).astype(np.int64)
    _add_identity(rng, out, n, tenure, evaluation_date, seed)
    return _frame(out, present)


def _poisson(rng: np.random.Generator, lam: np.ndarray, high: int = 50) -> np.ndarray:
    return np.minimum(rng.poisson(lam), high).astype(np.int64)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _sources_and_consents(
    rng: np.random.Generator, out: dict[str, Any], n: int, evaluation: dt.date
) -> dict[Source, np.ndarray]:
    """Add as-of dates, consents and the oldest negative event to ``out``;
    return which sources are present for each row."""
    day = np.datetime64(evaluation, "D")
    absent_p = {
        Source.ID_CHECK: 0.0,
        Source.NETWORK: 0.005,
        Source.BILLING: 0.01,
        Source.SECURITY: 0.04,
    }
    consent_platform = rng.random(n) < 0.6
    present = {s: rng.random(n) >= p for s, p in absent_p.items()}
    # A few subscribers withdrew consent but the platform still sent data.
    present[Source.PLATFORM] = consent_platform | (rng.random(n) < 0.004)
    # Mean age in days of each source's data at evaluation. The ID check is
    # re-run about yearly, bills monthly, the others feed daily or weekly.
    typical_age = {
        Source.ID_CHECK: 90.0,
        Source.NETWORK: 3.0,
        Source.BILLING: 8.0,
        Source.SECURITY: 5.0,
        Source.PLATFORM: 15.0,
    }
    for source, scale in typical_age.items():
        age = np.floor(rng.exponential(scale, n))
        age = np.where(rng.random(n) < 0.01, age + 200, age)  # a stale feed
        as_of = day - age.astype("timedelta64[D]")
        out[as_of_column(source)] = np.where(present[source], as_of, _NAT)
    for category in CATEGORY_SOURCE:
        out[consent_column(category)] = rng.random(n) >= 0.005
    out[consent_column(DataCategory.PLATFORM_CREDIT)] = consent_platform

    counted = np.zeros(n, dtype=bool)
    for spec in FIELDS.inputs:
        if spec.negative and spec.source is not None:
            counted |= present[spec.source] & (out[spec.name] > 0)
    window = np.maximum(np.floor(rng.random(n) * 700), out["arrears_days"])
    oldest = day - window.astype("timedelta64[D]")
    out["earliest_negative_on"] = np.where(counted, oldest, _NAT)
    return present


def _oracle_logodds(
    out: dict[str, Any], present: dict[Source, np.ndarray]
) -> np.ndarray:
    """True log-odds of default given the observed fields; missing adds 0."""

    def col(name: str) -> np.ndarray:
        source = FIELDS[name].source
        assert source is not None
        return np.where(present[source], out[name], np.nan)

    def term(values: np.ndarray) -> np.ndarray:
        return np.nan_to_num(values, nan=0.0)

    logit = np.full(len(out["tenure_months"]), _INTERCEPT)
    logit += term(0.55 * col("late_payments_12m") ** 0.8)
    logit += term(0.45 * np.log1p(col("arrears_amount_cny") / 50.0))
    logit += term(0.004 * np.minimum(col("arrears_days"), 180.0))
    logit += term(0.45 * col("arrears_suspensions_24m"))
    logit += term(0.4 * np.log1p(col("malicious_unsubscriptions_24m")))
    logit += term(-0.45 * np.log1p(col("tenure_months") / 12.0))
    logit += term(0.25 * col("number_changes_24m"))
    logit += term(0.006 * col("silent_days_12m"))
    logit += term(0.08 * col("device_changes_12m"))
    logit += np.where(out["real_name_verified"], 0.0, 1.2)
    id_result = out["id_check_result"]
    logit += np.where(id_result == "mismatch", 1.5, 0.0)
    logit += np.where(id_result == "not_checked", 0.4, 0.0)
    logit += term(0.8 * np.log1p(col("identity_misuse_reports")))
    logit += term(0.15 * (col("numbers_under_same_id") - 1.0))
    fraud = present[Source.SECURITY] & out["fraud_sms_confirmed"]
    logit += np.where(fraud, 1.0, 0.0)
    logit += term(0.2 * np.log1p(col("fraud_sms_reports_12m")))
    logit += term(0.15 * col("high_risk_apps"))
    logit += term(0.3 * np.log1p(col("abnormal_logins_90d")))
    logit += term(0.3 * np.log1p(col("fake_registrations_12m")))
    logit += term(0.3 * np.log1p(col("order_brushing_12m")))
    level = np.where(present[Source.PLATFORM], out["platform_credit_level"], "")
    for name, value in zip(_PLATFORM_LEVELS, _PLATFORM_LOGODDS, strict=True):
        logit += np.where(level == name, value, 0.0)
    logit += term(0.15 * col("shared_mobility_violations_12m"))
    logit += term(0.5 * np.log1p(col("platform_defaults_24m")))
    return logit


def _add_identity(
    rng: np.random.Generator,
    out: dict[str, Any],
    n: int,
    tenure_months: np.ndarray,
    evaluation: dt.date,
    seed: int,
) -> None:
    number = rng.integers(13_000_000_000, 20_000_000_000, n)
    out["msisdn"] = number.astype(str).astype(object)
    out["subscription_id"] = np.char.add(
        f"S{seed}-", np.char.zfill(np.arange(n).astype(str), 9)
    ).astype(object)
    day = np.datetime64(evaluation, "D")
    month = day.astype("datetime64[M]") - tenure_months.astype("timedelta64[M]")
    first = month.astype("datetime64[D]")
    within = np.minimum(rng.integers(0, 28, n), (day - first).astype(np.int64))
    out["activated_on"] = first + within.astype("timedelta64[D]")
    out["evaluation_date"] = np.full(n, day)


def _frame(out: dict[str, Any], present: dict[Source, np.ndarray]) -> pd.DataFrame:
    """Typed columns in contract order; absent sources become ``<NA>``."""
    columns: dict[str, Any] = {}
    for name in (*record_columns(), ORACLE, TARGET):
        values = out[name]
        spec = FIELDS.get(name)
        if spec is None:
            columns[name] = values
            continue
        source = spec.source if spec.role is Role.INPUT else None
        missing = ~present[source] if source else np.zeros(len(values), bool)
        columns[name] = _masked(spec.kind, spec.categories, values, missing)
    return pd.DataFrame(columns)


def _masked(
    kind: FieldKind, categories: tuple[str, ...], values: Any, missing: np.ndarray
) -> Any:
    if kind is FieldKind.BOOL:
        return pd.arrays.BooleanArray(values.astype(bool), missing)
    if kind is FieldKind.INT:
        return pd.arrays.IntegerArray(values.astype(np.int64), missing)
    if kind is FieldKind.FLOAT:
        return pd.arrays.FloatingArray(values.astype(np.float64), missing)
    codes = pd.Categorical(values, categories=categories).codes
    return pd.Categorical.from_codes(np.where(missing, -1, codes), pd.Index(categories))


_NAT = np.datetime64("NaT", "D")
