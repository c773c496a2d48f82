"""The field catalogue: the one list of subscriber fields and their metadata.

Every layer (rules, scorecard, explanations, reports) reads fields from here;
none declares a field of its own. A field carries its dimension, its data
category (what consent covers), its data source (whose as-of date applies),
its unit and valid range, whether the subscriber can act on it, and a short
description in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from subscribers._errors import BannedAttributeError

__all__ = [
    "BANNED_ATTRIBUTES",
    "CATEGORY_SOURCE",
    "FIELDS",
    "NEGATIVE_AGE_COLUMN",
    "NEGATIVE_INFO_MAX_DAYS",
    "Catalogue",
    "DataCategory",
    "Dimension",
    "FieldKind",
    "FieldSpec",
    "Role",
    "Source",
    "age_column",
    "build_catalogue",
]


class Dimension(StrEnum):
    """The five dimensions of a mobile credit certificate."""

    IDENTITY = "identity"
    STABILITY = "stability"
    FULFILMENT = "fulfilment"
    COMPLIANCE = "compliance"
    PLATFORM = "platform"

    @property
    def zh(self) -> str:
        return _DIMENSION_ZH[self]


_DIMENSION_ZH = {
    Dimension.IDENTITY: "身份真实性",
    Dimension.STABILITY: "使用稳定性",
    Dimension.FULFILMENT: "信用履约",
    Dimension.COMPLIANCE: "行为合规",
    Dimension.PLATFORM: "平台信用",
}


class DataCategory(StrEnum):
    """What a consent covers: one category per kind of personal information."""

    IDENTITY = "identity"
    TELECOM_USAGE = "telecom_usage"
    BILLING = "billing"
    SECURITY = "security"
    PLATFORM_CREDIT = "platform_credit"
    DEMOGRAPHIC = "demographic"
    #: Facts about the record itself (data ages, consent states).
    METADATA = "record_metadata"

    @property
    def separate_consent(self) -> bool:
        """Whether the category needs its own explicit consent to be used.

        Partner-platform credit comes from a third party and is used only
        with the subscriber's separate consent (个人信息保护法 第二十三条).
        """
        return self is DataCategory.PLATFORM_CREDIT


class Source(StrEnum):
    """A data source; each record carries the as-of date of each source."""

    ID_CHECK = "id_check"
    NETWORK = "network"
    BILLING = "billing"
    SECURITY = "security"
    PLATFORM = "platform"


#: The data source that supplies each data category's fields.
CATEGORY_SOURCE: Mapping[DataCategory, Source] = MappingProxyType(
    {
        DataCategory.IDENTITY: Source.ID_CHECK,
        DataCategory.TELECOM_USAGE: Source.NETWORK,
        DataCategory.BILLING: Source.BILLING,
        DataCategory.SECURITY: Source.SECURITY,
        DataCategory.PLATFORM_CREDIT: Source.PLATFORM,
    }
)


def age_column(source: Source) -> str:
    """Name of the context field with the age in days of ``source``'s data."""
    return f"{source.value}_age_days"


#: Name of the context field with the age in days of the oldest negative
#: information a record's inputs count.
NEGATIVE_AGE_COLUMN = "negative_info_age_days"


class Role(StrEnum):
    """How a field may be used."""

    #: A model and rule input.
    INPUT = "input"
    #: Facts about the record (consents, data ages); rules only, never scored.
    CONTEXT = "context"
    #: A group attribute for fairness analysis; never an input.
    GROUP = "group"


class FieldKind(StrEnum):
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    CATEGORY = "category"


#: Attributes no field may describe, whatever its name says it is. A field
#: whose name contains one of these words cannot be declared.
BANNED_ATTRIBUTES: tuple[str, ...] = (
    "religion",
    "religious",
    "ethnicity",
    "ethnic",
    "race",
    "health",
    "medical",
    "disability",
    "biometric",
    "fingerprint",
    "face",
    "political",
    "sexual",
)

#: Negative information may be used for at most five years
#: (征信业管理条例 第十六条); in days, counting one leap day.
NEGATIVE_INFO_MAX_DAYS = 5 * 365 + 1

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Metadata of one subscriber field.

    Attributes
    ----------
    name : str
        Column name in records and files; snake_case.
    kind : FieldKind
        Value type.
    role : Role
        Input, context (rules only) or group attribute (fairness only).
    dimension : Dimension or None
        The certificate dimension an input belongs to.
    category : DataCategory
        The data category, which consent and minimisation are checked on.
    unit : str
        Unit of the value in English (``"months"``, ``"CNY"``, ``""``).
    unit_zh : str
        Unit in Chinese as read aloud (``"个月"``, ``"元"``, ``"次"``).
    low, high : float or None
        Inclusive valid range of numeric fields.
    categories : tuple of str
        Allowed values of a categorical field, best first where ordered.
    actionable : bool
        Whether the subscriber can change the value by what they do from now.
    negative : bool
        Whether the field records negative information (late payments,
        arrears, fraud reports), subject to the five-year limit.
    zh, en : str
        Short description in Chinese and English.
    """

    name: str
    kind: FieldKind
    role: Role
    category: DataCategory
    zh: str
    en: str
    dimension: Dimension | None = None
    unit: str = ""
    unit_zh: str = ""
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] = ()
    actionable: bool = False
    negative: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def source(self) -> Source | None:
        """The data source whose as-of date applies to this field."""
        return CATEGORY_SOURCE.get(self.category)

    @property
    def numeric(self) -> bool:
        return self.kind in (FieldKind.INT, FieldKind.FLOAT)

    def describe_range(self) -> str:
        """The valid values in words, for error messages."""
        if self.kind is FieldKind.BOOL:
            return "true or false"
        if self.kind is FieldKind.CATEGORY:
            return "one of " + ", ".join(repr(c) for c in self.categories)
        kind = "an integer" if self.kind is FieldKind.INT else "a number"
        return f"{kind} in [{self.low:g}, {self.high:g}]"


class Catalogue(Mapping[str, FieldSpec]):
    """An ordered, read-only mapping of field name to :class:`FieldSpec`."""

    def __init__(self, specs: Iterable[FieldSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}

    def __getitem__(self, name: str) -> FieldSpec:
        return self._specs[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def with_role(self, *roles: Role) -> tuple[FieldSpec, ...]:
        return tuple(s for s in self._specs.values() if s.role in roles)

    @property
    def inputs(self) -> tuple[FieldSpec, ...]:
        """Fields that models and rules may use as inputs."""
        return self.with_role(Role.INPUT)

    @property
    def groups(self) -> tuple[FieldSpec, ...]:
        """Group attributes, for fairness analysis only."""
        return self.with_role(Role.GROUP)

    def in_dimension(self, dimension: Dimension) -> tuple[FieldSpec, ...]:
        return tuple(s for s in self.inputs if s.dimension is dimension)


def build_catalogue(specs: Iterable[FieldSpec]) -> Catalogue:
    """Check field declarations and return them as a :class:`Catalogue`.

    Raises
    ------
    BannedAttributeError
        If a field names a banned attribute (religion, ethnicity, health,
        biometrics, political views, ...).
    ValueError
        If a declaration is inconsistent (bad name, duplicate, missing range,
        an input without a dimension, a group attribute with one).
    """
    seen: set[str] = set()
    specs = tuple(specs)
    for spec in specs:
        _check_spec(spec)
        if spec.name in seen:
            raise ValueError(f"field {spec.name!r} is declared twice")
        seen.add(spec.name)
    return Catalogue(specs)


def _check_spec(spec: FieldSpec) -> None:
    where = f"field {spec.name!r}"
    words = set(spec.name.split("_"))
    banned = sorted(words.intersection(BANNED_ATTRIBUTES))
    if banned:
        raise BannedAttributeError(
            f"{where}: names the banned attribute {banned[0]!r}; religion, "
            "ethnicity, health, biometrics and political views may not be "
            "declared as subscriber fields"
        )
    if not _NAME.match(spec.name):
        raise ValueError(f"{where}: expected a snake_case name")
    if spec.role is Role.INPUT and spec.dimension is None:
        raise ValueError(f"{where}: an input needs a dimension")
    if spec.role is Role.GROUP and (
        spec.dimension is not None or spec.category is not DataCategory.DEMOGRAPHIC
    ):
        raise ValueError(
            f"{where}: a group attribute has no dimension and the category "
            "'demographic'"
        )
    if spec.role is not Role.GROUP and spec.category is DataCategory.DEMOGRAPHIC:
        raise ValueError(f"{where}: demographic data may only be a group attribute")
    if (spec.role is Role.CONTEXT) != (spec.category is DataCategory.METADATA):
        raise ValueError(
            f"{where}: context fields, and only they, have the category "
            "'record_metadata'"
        )
    if spec.numeric and (spec.low is None or spec.high is None or spec.low > spec.high):
        raise ValueError(f"{where}: a numeric field needs a range low <= high")
    if spec.kind is FieldKind.CATEGORY and not spec.categories:
        raise ValueError(f"{where}: a categorical field needs its categories")


def _input(
    name: str,
    kind: FieldKind,
    dimension: Dimension,
    category: DataCategory,
    zh: str,
    en: str,
    **kwargs: object,
) -> FieldSpec:
    return FieldSpec(
        name=name,
        kind=kind,
        role=Role.INPUT,
        dimension=dimension,
        category=category,
        zh=zh,
        en=en,
        **kwargs,  # type: ignore[arg-type]
    )


_B, _I, _F, _C = FieldKind.BOOL, FieldKind.INT, FieldKind.FLOAT, FieldKind.CATEGORY
_ID, _ST, _FU, _CO, _PL = (
    Dimension.IDENTITY,
    Dimension.STABILITY,
    Dimension.FULFILMENT,
    Dimension.COMPLIANCE,
    Dimension.PLATFORM,
)
_CAT_ID = DataCategory.IDENTITY
_CAT_TEL = DataCategory.TELECOM_USAGE
_CAT_BILL = DataCategory.BILLING
_CAT_SEC = DataCategory.SECURITY
_CAT_PLAT = DataCategory.PLATFORM_CREDIT
_CAT_DEMO = DataCategory.DEMOGRAPHIC
_CAT_META = DataCategory.METADATA
_COUNT = {"unit": "times", "unit_zh": "次"}
_SOURCE_ZH = {
    Source.ID_CHECK: "身份核验",
    Source.NETWORK: "网络使用",
    Source.BILLING: "账单缴费",
    Source.SECURITY: "安全风控",
    Source.PLATFORM: "合作平台",
}
_CATEGORY_ZH = {
    DataCategory.IDENTITY: "身份信息",
    DataCategory.TELECOM_USAGE: "通信使用信息",
    DataCategory.BILLING: "账单缴费信息",
    DataCategory.SECURITY: "安全风控信息",
    DataCategory.PLATFORM_CREDIT: "合作平台信用信息",
}

# The catalogue reads as a table, one field per entry; keep it aligned.
# fmt: off
FIELDS: Catalogue = build_catalogue(
    [
        # -- identity: 身份真实性 ------------------------------------------
        _input("real_name_verified", _B, _ID, _CAT_ID,
               "是否已完成实名认证", "real-name registration verified",
               actionable=True),
        _input("id_check_result", _C, _ID, _CAT_ID,
               "身份证信息核验结果", "result of the ID document check",
               categories=("match", "not_checked", "mismatch")),
        _input("identity_misuse_reports", _I, _ID, _CAT_ID,
               "被确认的冒用身份注册举报", "confirmed reports of identity misuse",
               low=0, high=50, negative=True, **_COUNT),
        _input("numbers_under_same_id", _I, _ID, _CAT_ID,
               "同一身份证名下号码数", "phone numbers registered under the same ID",
               low=1, high=20, unit="numbers", unit_zh="个", actionable=True),
        # -- stability: 使用稳定性 -----------------------------------------
        _input("tenure_months", _I, _ST, _CAT_TEL,
               "号码在网时长", "time the subscription has been in service",
               low=0, high=600, unit="months", unit_zh="个月"),
        _input("number_changes_24m", _I, _ST, _CAT_TEL,
               "近24个月更换号码次数", "number changes in the last 24 months",
               low=0, high=50, actionable=True, **_COUNT),
        _input("silent_days_12m", _I, _ST, _CAT_TEL,
               "近12个月静默天数", "days without any use in the last 12 months",
               low=0, high=366, unit="days", unit_zh="天", actionable=True),
        _input("device_changes_12m", _I, _ST, _CAT_TEL,
               "近12个月更换设备次数", "device changes in the last 12 months",
               low=0, high=100, actionable=True, **_COUNT),
        # -- fulfilment: 信用履约 -------------------------------------------
        _input("on_time_payment_ratio_12m", _F, _FU, _CAT_BILL,
               "近12个月按时缴费比例", "share of bills paid on time, last 12 months",
               low=0, high=1, unit="ratio", unit_zh="", actionable=True),
        _input("late_payments_12m", _I, _FU, _CAT_BILL,
               "近12个月逾期缴费次数", "late bill payments in the last 12 months",
               low=0, high=12, actionable=True, negative=True, **_COUNT),
        _input("arrears_amount_cny", _F, _FU, _CAT_BILL,
               "当前欠费金额", "current arrears amount",
               low=0, high=1_000_000, unit="CNY", unit_zh="元", actionable=True,
               negative=True),
        _input("arrears_days", _I, _FU, _CAT_BILL,
               "当前欠费天数", "age of the current arrears",
               low=0, high=3650, unit="days", unit_zh="天", actionable=True,
               negative=True),
        _input("arrears_suspensions_24m", _I, _FU, _CAT_BILL,
               "近24个月欠费停机次数", "suspensions for arrears in the last 24 months",
               low=0, high=24, actionable=True, negative=True, **_COUNT),
        _input("malicious_unsubscriptions_24m", _I, _FU, _CAT_BILL,
               "近24个月恶意退订次数", "malicious unsubscriptions, last 24 months",
               low=0, high=50, actionable=True, negative=True, **_COUNT),
        # -- compliance: 行为合规 -------------------------------------------
        _input("fraud_sms_reports_12m", _I, _CO, _CAT_SEC,
               "近12个月诈骗短信被举报次数", "fraud-SMS reports in the last 12 months",
               low=0, high=1000, actionable=True, negative=True, **_COUNT),
        _input("fraud_sms_confirmed", _B, _CO, _CAT_SEC,
               "经核实参与诈骗短信传播", "confirmed involvement in fraud SMS",
               negative=True),
        _input("high_risk_apps", _I, _CO, _CAT_SEC,
               "已安装高风险应用数", "high-risk apps installed",
               low=0, high=100, unit="apps", unit_zh="个", actionable=True,
               negative=True),
        _input("abnormal_logins_90d", _I, _CO, _CAT_SEC,
               "近90天异常登录次数", "abnormal logins in the last 90 days",
               low=0, high=1000, actionable=True, negative=True, **_COUNT),
        _input("fake_registrations_12m", _I, _CO, _CAT_SEC,
               "近12个月虚假注册次数", "fake registrations in the last 12 months",
               low=0, high=100, actionable=True, negative=True, **_COUNT),
        _input("order_brushing_12m", _I, _CO, _CAT_SEC,
               "近12个月刷单记录次数", "order-brushing records, last 12 months",
               low=0, high=100, actionable=True, negative=True, **_COUNT),
        # -- platform: 平台信用 (separate consent) ----------------------------
        _input("platform_credit_level", _C, _PL, _CAT_PLAT,
               "合作平台信用等级", "credit level on partner platforms",
               categories=("excellent", "good", "fair", "poor"), actionable=True),
        _input("shared_mobility_violations_12m", _I, _PL, _CAT_PLAT,
               "近12个月共享出行违规次数",
               "shared-mobility violations in the last 12 months",
               low=0, high=100, actionable=True, negative=True, **_COUNT),
        _input("platform_defaults_24m", _I, _PL, _CAT_PLAT,
               "近24个月平台违约次数", "partner-platform defaults, last 24 months",
               low=0, high=50, actionable=True, negative=True, **_COUNT),
        # -- context: consents and data ages, for rules ----------------------
        *(
            FieldSpec(
                name=age_column(source),
                kind=_I,
                role=Role.CONTEXT,
                category=_CAT_META,
                zh=f"{_SOURCE_ZH[source]}数据距评估日天数",
                en=f"age of the {source.value} data at evaluation",
                low=0,
                high=36_500,
                unit="days",
                unit_zh="天",
            )
            for category, source in CATEGORY_SOURCE.items()
        ),
        *(
            FieldSpec(
                name=f"consent_{category.value}",
                kind=_B,
                role=Role.CONTEXT,
                category=_CAT_META,
                zh=f"已授权使用{_CATEGORY_ZH[category]}",
                en=f"consent given for {category.value.replace('_', ' ')} data",
            )
            for category in CATEGORY_SOURCE
        ),
        FieldSpec(
            name=NEGATIVE_AGE_COLUMN,
            kind=_I,
            role=Role.CONTEXT,
            category=_CAT_META,
            zh="所用最早负面信息距评估日天数",
            en="age of the oldest negative information used",
            low=0,
            high=36_500,
            unit="days",
            unit_zh="天",
        ),
        # -- group attributes: fairness analysis only, never an input ---------
        FieldSpec(name="age_band", kind=_C, role=Role.GROUP, category=_CAT_DEMO,
                  zh="年龄段", en="age band",
                  categories=("18-24", "25-34", "35-44", "45-59", "60+")),
        FieldSpec(name="region", kind=_C, role=Role.GROUP, category=_CAT_DEMO,
                  zh="地区", en="region",
                  categories=("east", "central", "west", "northeast")),
        FieldSpec(name="migrant", kind=_B, role=Role.GROUP, category=_CAT_DEMO,
                  zh="是否流动人口", en="migrant worker status"),
    ]
)
# fmt: on
