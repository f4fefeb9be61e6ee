"""The domain rules, defined once: what counts as provision, what "at risk" means,
the cliff edge, the six-month window, the order of every status and the labels
shown for each measure and attribute, keyed by stable keys.

The database holds what was reported and when (`coverage_at(d)`, `funding_streams_at(d)`);
how that reads at a date (a funding end passed, at risk, a report more than a year old)
is decided here, applied by core/coverage.py, and used by every page, chart, export and
briefing pack, so a number means the same wherever it appears. The build also writes
the rules to the database's `rules` table. No Streamlit, no SQL, no pandas.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOT_REPORTED = "not reported"
# A provision whose every reported funded service has ended, with no later report of a renewal:
# not counted as running at that date (the same words on every theme).
FUNDING_ENDED = "funding ended, renewal not reported"

# The super-complaint recommendations to PCCs that returns report on (Recommendations 15, 16 and 25),
# and the words for a force whose office has not returned a status for one: not the same as "not started".
RECOMMENDATIONS = ("15", "16", "25")
# The statuses an office may return for each (data/allowed_values.csv, recommendation_status), in order.
RECOMMENDATION_STATUSES = ("complete", "in progress", "not started", "not known")
NOT_RETURNED = "not returned"

# The end of the 2024/25 financial year: the date most stalking funding in the source ran to.
CLIFF_EDGE = dt.date(2025, 3, 31)
# "Ending soon": a dated funding end within this many months after the viewed date.
AT_RISK_WINDOW_MONTHS = 6
AT_RISK_WINDOW_WORDS = "six months"
# A report is *current* at a viewed date when it was made within this many months before
# it; otherwise it is *dated*: shown with its date, hatched on the map, counted apart.
CURRENT_WITHIN_MONTHS = 12
CURRENT_WORDS = "in the last 12 months"
# The mark written beside a dated status wherever it is shown (and hatching on the map).
DATED_MARK = "◷"

# The dates the data can hold: every date in an input file or a return, and the date a
# briefing is read at. Positions of this century only: a year outside it is a typing
# mistake (and the data frames the pages and exports use cannot hold dates past 2262).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)
# The largest whole number a count may be (headcounts, referrals): far above any real
# count, far below what the database's 64-bit integers hold.
MAX_COUNT = 1_000_000


def date_out_of_range(d: dt.date) -> str | None:
    """Why a date is outside the dates the data can hold, or None when it is within them."""
    if EARLIEST_DATE <= d <= LATEST_DATE:
        return None
    side = "before" if d < EARLIEST_DATE else "after"
    limit = EARLIEST_DATE if d < EARLIEST_DATE else LATEST_DATE
    return (
        f"{d.isoformat()} is {side} {limit.isoformat()}; expected a date from "
        f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()} (is the year mistyped?)"
    )


def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (or earlier, for negative months;
    the month's last day when it has no such day)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def window_end(as_at: dt.date) -> dt.date:
    """The last day of the at-risk window that starts on `as_at`."""
    return add_months(as_at, AT_RISK_WINDOW_MONTHS)


def is_current(reported_on: dt.date | None, viewed: dt.date) -> bool:
    """True when a report made on `reported_on` is current at `viewed` (made in the 12 months before it)."""
    return reported_on is not None and add_months(viewed, -CURRENT_WITHIN_MONTHS) <= reported_on <= viewed


# ---------------------------------------------------------------- funded services at a date

SERVICE_ENDED = "ended"
SERVICE_ENDS_SOON = "ends within 6 months"
SERVICE_AT_RISK = "at risk"
SERVICE_LATER_END = "later end date"
SERVICE_NO_END = "no end date"
# The states of a funded service that count as "at risk".
SERVICE_STATES_AT_RISK = (SERVICE_ENDS_SOON, SERVICE_AT_RISK)


def next_cliff_edge(end_dates: list[dt.date], as_at: dt.date) -> dt.date | None:
    """The next funding cliff edge after `as_at`: the end date on which the most funded services end (the
    earliest of those, on a tie), as 31 March 2025 was in the APCC's 2024 response; None when none ends later."""
    later = [d for d in end_dates if d is not None and d > as_at]
    if not later:
        return None
    counts: dict[dt.date, int] = {}
    for d in later:
        counts[d] = counts.get(d, 0) + 1
    return min(counts, key=lambda d: (-counts[d], d))


def service_state(end_date: dt.date | None, status: str, as_at: dt.date) -> str:
    """How one funded service stands at `as_at`.

    Ended: its end date has passed (or a return says it ended): never "at risk" or
    "ends within 6 months" once the date is past. Ends within 6 months: a dated end in the
    window after `as_at`. At risk: the source says so and gives no end date that has passed.
    """
    if status == "ended" or (end_date is not None and end_date < as_at):
        return SERVICE_ENDED
    if end_date is not None and end_date <= window_end(as_at):
        return SERVICE_ENDS_SOON
    if status == "at risk":
        return SERVICE_AT_RISK
    return SERVICE_LATER_END if end_date is not None else SERVICE_NO_END


def funding_risk(states: list[str], risk_statements: int, constraint_statements: int, statements: int) -> str:
    """A force's funding status at a date, from its funded services' states and its funding statements.

    "At risk" means one thing everywhere: a funded service ends within six months after the
    date, or the source says funding is at risk (a service or a statement) and no end date
    it gives has passed. A passed end is "funding ended, renewal not reported", not at risk.
    """
    all_ended = bool(states) and all(s == SERVICE_ENDED for s in states)
    if SERVICE_ENDS_SOON in states:
        return "ends within 6 months"
    # A risk statement is about the force's funding; once every funded service it reported has
    # ended, that risk has passed with them (Kent, Thames Valley, West Midlands after March 2025).
    if SERVICE_AT_RISK in states or (risk_statements and not all_ended):
        return "at risk, no date"
    if SERVICE_LATER_END in states:
        return "later end date"
    if SERVICE_NO_END in states:
        return "no end date reported"
    if all_ended:
        return FUNDING_ENDED
    if constraint_statements:
        return "funding constraint stated"
    if statements:
        return "statements only"
    return NOT_REPORTED


def provision_status(
    status: str,
    provided: tuple[str, ...],
    states: list[str],
    reported_on: dt.date | None = None,
    last_end: dt.date | None = None,
) -> str:
    """A theme's status at a date: a provision whose every funded service (of that theme) has ended
    is not counted as running: it reads FUNDING_ENDED. Statuses with no funded service stay as reported.

    A status reported on or after the last end date of those services stands as reported: whoever
    reported it (an office's return, typically) knew the funding had ended and says the provision runs
    (Cambridgeshire's multi-agency programme, funded to March 2025, returned as running in 2026)."""
    if reported_on is not None and last_end is not None and reported_on >= last_end:
        return status
    if status in provided and states and all(s == SERVICE_ENDED for s in states):
        return FUNDING_ENDED
    return status


@dataclass(frozen=True)
class Theme:
    """One theme a force area is classified on, with its statuses in legend order."""

    key: str  # stable key, used in URLs and code
    label: str  # shown to people
    column: str  # the column of the coverage frame holding the status
    statuses: tuple[str, ...]  # every status, in legend order; not reported last
    provided: tuple[str, ...]  # the statuses that count as having the provision (or, for funding, at risk)
    key_figure: str  # the column whose value matters most for this theme (map hover)
    dimension: str  # the fact dimension behind it
    reported_on: str  # the column holding the date it was last reported

    @property
    def order(self) -> list[str]:
        return list(self.statuses)

    @property
    def current_column(self) -> str:
        return self.reported_on.replace("_reported_on", "_current")


ISAC = Theme(
    "isac",
    "ISAC provision",
    "isac_status",
    (
        "dedicated service",
        "ISACs within wider services",
        "stalking support within wider services",
        FUNDING_ENDED,
        "training or champions only",
        "model not stated",
        "none stated",
        NOT_REPORTED,
    ),
    ("dedicated service", "ISACs within wider services"),
    "isac_count",
    "isac_provision",
    "isac_reported_on",
)
PROGRAMME = Theme(
    "programme",
    "Perpetrator programme",
    "perpetrator_programme_status",
    ("commissioned", FUNDING_ENDED, "developing", "none stated", NOT_REPORTED),
    ("commissioned",),
    "perpetrator_programme_status",
    "perpetrator_programme",
    "programme_reported_on",
)
MASIP = Theme(
    "masip",
    "MASIP or stalking clinic",
    "masip_status",
    ("established", "pilot", FUNDING_ENDED, "developing", "exploring", "none stated", NOT_REPORTED),
    ("established", "pilot"),
    "masip_status",
    "multi_agency",
    "masip_reported_on",
)
FUNDING = Theme(
    "funding",
    "Funding risk",
    "funding_risk",
    (
        "ends within 6 months",
        "at risk, no date",
        "later end date",
        "no end date reported",
        FUNDING_ENDED,
        "funding constraint stated",
        "statements only",
        NOT_REPORTED,
    ),
    ("ends within 6 months", "at risk, no date"),
    "next_funding_end",
    "funding",
    "funding_reported_on",
)
THEMES: dict[str, Theme] = {t.key: t for t in (ISAC, PROGRAMME, MASIP, FUNDING)}
# Where each force stands in a returns round (the tracker's map), in legend order; a force the
# round does not ask is on the map too ("not asked"), so the map keeps its shape.
ROUND_NOT_ASKED = "not asked"
ROUND = Theme(
    "round",
    "Round status",
    "round_state",
    ("accepted", "submitted", "returned for changes", "draft", "not started", ROUND_NOT_ASKED),
    ("accepted",),
    "round_state",
    "",
    "round_reported_on",
)
PROVISION_THEMES = (ISAC, PROGRAMME, MASIP)

# What counts as provision, per theme key.
PROVIDED: dict[str, tuple[str, ...]] = {t.key: t.provided for t in PROVISION_THEMES}
# The funding_risk statuses that count as "funding at risk": the one meaning of "at risk".
FUNDING_AT_RISK = FUNDING.provided
AT_RISK_DEFINITION = (
    f"At risk: a funded stalking service ends within {AT_RISK_WINDOW_WORDS} after the date shown, or the source "
    "says funding is at risk and no end date it gives has passed. A passed end date is 'funding ended, "
    "renewal not reported', not at risk."
)


@dataclass(frozen=True)
class Measure:
    """A yes/no measure of a force area, counted on every page, chart and export."""

    key: str
    label: str
    theme: Theme
    test: Callable[[Any], Any]  # coverage frame -> boolean series, one value per force area
    short_label: str = ""  # for narrow charts: a column heading a phone can show


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "isac",
            "Dedicated service or ISACs in wider services",
            ISAC,
            lambda c: c["isac_status"].isin(ISAC.provided),
            "ISAC or service",
        ),
        Measure(
            "programme",
            "Perpetrator programme commissioned",
            PROGRAMME,
            lambda c: c["perpetrator_programme_status"].isin(PROGRAMME.provided),
            "Perpetrator programme",
        ),
        Measure(
            "masip",
            "MASIP or stalking clinic running",
            MASIP,
            lambda c: c["masip_status"].isin(MASIP.provided),
            "MASIP or clinic",
        ),
        Measure("funding_at_risk", "Funding at risk", FUNDING, lambda c: c["funding_at_risk"].astype(bool), "At risk"),
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
ATTRIBUTE_LABELS["dedicated_stalking_posts"] = "Dedicated stalking posts (not called ISACs)"
ATTRIBUTE_LABELS["apcc_grouping"] = "The APCC's grouping"
ATTRIBUTE_LABELS["constraint_statement"] = "Funding constraint"
ATTRIBUTE_LABELS["risk_statement"] = "Funding risk"
# Attributes that only returns carry (etl/questions.py asks for them).
ATTRIBUTE_LABELS.update(
    {
        "isa_fte": "Stalking advocate posts (FTE)",
        "referrals_12_months": "Referrals in the last 12 months",
        "programme_status": "Programme status",
        "arrangement_kind": "Kind of arrangement",
        "arrangement_status": "Arrangement status",
        "status": "Status",
        "completed_on": "Completed on (or planned for)",
        "outcome": "Outcome",
        "name": "Name",
        "kind": "Kind of body",
    }
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
