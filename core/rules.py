"""The domain rules, defined once: what counts as provision, what "at risk" means,
the cliff edge, the six-month window, the order of every status and the labels
shown for each measure and attribute, keyed by stable keys.

Every page, chart, export, query and the database build use these definitions
(the build writes them to the `rules` table, which the SQL views read), so a
number means the same wherever it appears. No Streamlit, no SQL, no pandas.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOT_REPORTED = "not reported"

# The end of the 2024/25 financial year: the date most stalking funding in the source ran to.
CLIFF_EDGE = dt.date(2025, 3, 31)
# "Ending soon": a dated funding end within this many months after the viewed date.
AT_RISK_WINDOW_MONTHS = 6
AT_RISK_WINDOW_WORDS = "six months"


def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the month's last day when it has no such day)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def window_end(as_at: dt.date) -> dt.date:
    """The last day of the at-risk window that starts on `as_at`."""
    return add_months(as_at, AT_RISK_WINDOW_MONTHS)


@dataclass(frozen=True)
class Theme:
    """One theme a force area is classified on, with its statuses in legend order."""

    key: str  # stable key, used in URLs and code
    label: str  # shown to people
    column: str  # the column of coverage_at() holding the status
    statuses: tuple[str, ...]  # every status, in legend order; not reported last
    provided: tuple[str, ...]  # the statuses that count as having the provision (or, for funding, at risk)
    key_figure: str  # the column whose value matters most for this theme (map hover)

    @property
    def order(self) -> list[str]:
        return list(self.statuses)


ISAC = Theme(
    "isac",
    "ISAC provision",
    "isac_status",
    (
        "dedicated service",
        "within wider services",
        "training or champions only",
        "model not stated",
        "none stated",
        NOT_REPORTED,
    ),
    ("dedicated service", "within wider services"),
    "isac_count",
)
PROGRAMME = Theme(
    "programme",
    "Perpetrator programme",
    "perpetrator_programme_status",
    ("commissioned", "developing", "none stated", NOT_REPORTED),
    ("commissioned",),
    "perpetrator_programme_status",
)
MASIP = Theme(
    "masip",
    "MASIP or stalking clinic",
    "masip_status",
    ("established", "pilot", "developing", "exploring", "none stated", NOT_REPORTED),
    ("established", "pilot"),
    "masip_status",
)
FUNDING = Theme(
    "funding",
    "Funding risk",
    "funding_risk",
    (
        "ends within 6 months",
        "end date passed",
        "at risk, no date",
        "later end date",
        "no end date reported",
        NOT_REPORTED,
    ),
    ("ends within 6 months", "end date passed", "at risk, no date"),
    "next_funding_end",
)
THEMES: dict[str, Theme] = {t.key: t for t in (ISAC, PROGRAMME, MASIP, FUNDING)}
PROVISION_THEMES = (ISAC, PROGRAMME, MASIP)

# What counts as provision, per theme key.
PROVIDED: dict[str, tuple[str, ...]] = {t.key: t.provided for t in PROVISION_THEMES}
# The funding_risk statuses that count as "funding at risk".
FUNDING_AT_RISK = FUNDING.provided


@dataclass(frozen=True)
class Measure:
    """A yes/no measure of a force area, counted on every page, chart and export."""

    key: str
    label: str
    test: Callable[[Any], Any]  # coverage frame -> boolean series, one value per force area


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("isac", "Dedicated service or ISACs in wider services", lambda c: c["isac_status"].isin(ISAC.provided)),
        Measure(
            "programme",
            "Perpetrator programme commissioned",
            lambda c: c["perpetrator_programme_status"].isin(PROGRAMME.provided),
        ),
        Measure("masip", "MASIP or stalking clinic running", lambda c: c["masip_status"].isin(MASIP.provided)),
        Measure("funding_at_risk", "Funding at risk", lambda c: c["funding_at_risk"].astype(bool)),
    )
}
PROVISION_MEASURES = ("isac", "programme", "masip")

# Labels of fact attributes (data/attributes.csv), keyed by attribute.
ATTRIBUTE_LABELS = {
    "isac_count": "ISACs or stalking advocate posts",
    "provider": "Provider",
    "service": "Service",
    "scope": "Covers",
    "referrals": "Referrals or victims supported",
    "training": "Training",
    "programme": "Programme",
    "risk_level": "Risk level",
    "arrangement": "Arrangement",
    "partners": "Partners",
    "risk_forum": "Risk forums used for stalking",
    "detail": "Also reported",
    "statement": "Statement",
    "activity": "Reported",
}
# The fact dimensions behind the three provision themes, with words for "not reported on …".
THEME_DIMENSIONS = (
    ("isac_provision", ISAC, "victim support and ISACs"),
    ("perpetrator_programme", PROGRAMME, "perpetrator programmes"),
    ("multi_agency", MASIP, "multi-agency arrangements"),
)


def as_table() -> list[tuple[str, str, str]]:
    """(name, value, meaning) of the rules the database views read, for the `rules` table."""
    return [
        (
            "at_risk_window_months",
            str(AT_RISK_WINDOW_MONTHS),
            "Months after the viewed date within which a dated funding end counts as ending soon.",
        ),
        (
            "cliff_edge",
            CLIFF_EDGE.isoformat(),
            "The end of the 2024/25 financial year, when most stalking funding in the source ended.",
        ),
    ]
