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
# When Recommendations 15, 16 and 25 were due (the super-complaint's deadline for PCCs).
RECOMMENDATIONS_DUE = dt.date(2025, 3, 27)

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
# A grant the source gives only in the past ("received funding in 2023 to develop…", "secured
# funding to create…") with no period: not funding in place, and not a service with no end date.
ONE_OFF_GRANT = "one-off grant"
SERVICE_PAST_GRANT = "one-off grant, period not stated"
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
    if status == ONE_OFF_GRANT and end_date is None:
        return SERVICE_PAST_GRANT
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
    A one-off grant given in the past with no period is not funding in place: alone, it counts
    as a statement on funding.
    """
    past_grants = SERVICE_PAST_GRANT in states
    states = [s for s in states if s != SERVICE_PAST_GRANT]
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
    if statements or past_grants:
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
    "ISA provision",
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
            "Dedicated service or ISAs in wider services",
            ISAC,
            lambda c: c["isac_status"].isin(ISAC.provided),
            "ISA or service",
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
    "isac_count": "Stalking advocate (ISA) posts",
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
    ("isac_provision", ISAC, "victim support and ISAs"),
    ("perpetrator_programme", PROGRAMME, "perpetrator programmes"),
    ("multi_agency", MASIP, "multi-agency arrangements"),
)
ATTRIBUTE_LABELS["dedicated_stalking_posts"] = "Dedicated stalking posts (not called ISAs)"
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
        # The themes the returns ask since issue 25 (etl/questions.py), and every theme's example.
        "partner": "Commissions jointly with",
        "partner_area": "Other force areas covered",
        "joint_contracts": "Joint contracts",
        "shared": "Shared with providers",
        "reviewed_on": "Agreement last reviewed",
        "means": "Scrutiny through",
        "review_status": "Independent review",
        "reviewer": "Reviewed by",
        "audience": "Training for",
        "trained": "People trained",
        "example": "Example in the office's words",
        "example_consent": "Consent to be quoted and named",
    }
)


# ---------------------------------------------------------------- demand beside provision (issue 27)
# Recorded stalking from the Home Office's police recorded crime open data tables, and population
# from the ONS mid-year estimates, imported by a user (`python -m demand import FILE…`); nothing is
# shipped. The words and dates every page, chart and export uses for them are here.

NOT_IMPORTED = "not imported"
# The offence codes of the police force area tables the import keeps: stalking is 8Q,
# counted apart from harassment (8L). Only stalking (8Q) becomes demand figures.
STALKING_OFFENCE = "8Q"
OFFENCE_NAMES = {"8Q": "Stalking", "8L": "Harassment"}
# Counting rules changed in April 2018 and April 2020: stalking figures for periods ending before
# the year ending March 2021 are not comparable with later ones. A period (a financial year or a
# rolling four quarters) is comparable when it ends on or after this date.
SERIES_BREAK = dt.date(2021, 3, 31)
SERIES_COMPARABLE = "year ending March 2021 on"
SERIES_NOT_COMPARABLE = "before year ending March 2021: not comparable"
SERIES_BREAK_NOTE = (
    "Counting rules for stalking changed in April 2018 and April 2020: figures for periods ending before "
    "March 2021 are not comparable with later ones, and no line is drawn across the break."
)
# What the figures can and cannot say, shown with every demand figure.
DEMAND_CAVEATS = (
    "Recorded crime is not prevalence: most stalking is never reported to the police.",
    "Recording practice differs by force, so a higher rate may mean better recording, not more stalking.",
    SERIES_BREAK_NOTE,
)
# Where a user downloads the files (the dashboard never fetches anything at run time).
RECORDED_CRIME_PAGE = "https://www.gov.uk/government/statistics/police-recorded-crime-open-data-tables"
RECORDED_CRIME_GUIDE = (
    "https://www.gov.uk/government/statistics/police-recorded-crime-open-data-tables/"
    "police-recorded-crime-and-outcomes-open-data-tables-user-guide"
)
POPULATION_PAGE = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/"
    "datasets/populationestimatesforukenglandandwalesscotlandandnorthernireland"
)
LOOKUP_PAGE = "https://geoportal.statistics.gov.uk/ (search: LAD to Community Safety Partnership to PFA Lookup)"
DEMAND_IMPORT_COMMAND = "python -m demand import FILE…"
DEMAND_NOT_IMPORTED = (
    "Recorded stalking and population: not imported. The dashboard ships no crime or population figures. "
    f"Download the police force area tables of the Home Office's police recorded crime open data tables "
    f"({RECORDED_CRIME_PAGE}) and the ONS mid-year population estimates ({POPULATION_PAGE}) with the "
    f"local authority to police force area lookup ({LOOKUP_PAGE}), then run `{DEMAND_IMPORT_COMMAND}` "
    "with the files: it checks them, stores them beside the database and rebuilds it."
)
POPULATION_NOT_IMPORTED = (
    "Population: not imported, so no rate per 1,000 people. Download the ONS mid-year population estimates "
    f"({POPULATION_PAGE}) and the lookup ({LOOKUP_PAGE}), then run `{DEMAND_IMPORT_COMMAND}` with both."
)
# The measures, by key: label and short label (for narrow tables).
DEMAND_MEASURES = {
    "stalking_per_1000": ("Recorded stalking offences per 1,000 people", "Stalking per 1,000 people"),
    "advocates_per_1000": (
        "Advocate posts (FTE, from returns) per 1,000 recorded stalking offences",
        "Advocate FTE per 1,000 offences",
    ),
}
# An assumed caseload: no statutory caseload standard for independent stalking advocates exists,
# so the dashboard has no default; a user may set one to see the posts it would need.
ASSUMED_CASELOAD_LABEL = "Assumed caseload per advocate post (cases a full-time post holds in a year): an assumption"
ASSUMED_CASELOAD_HELP = (
    "There is no statutory caseload standard for independent stalking advocates, so there is no default. "
    "The posts needed treat each recorded stalking offence in the last four quarters as one case: another "
    "assumption (some victims never report; one victim may be several offences)."
)
MAX_ASSUMED_CASELOAD = 1_000


def series_label(period_end: dt.date) -> str:
    """Which side of the series break a period ending on `period_end` is on."""
    return SERIES_COMPARABLE if period_end >= SERIES_BREAK else SERIES_NOT_COMPARABLE


def posts_needed(offences: float, caseload: float) -> float:
    """Full-time posts an assumed caseload would need for a number of recorded offences in a year."""
    if caseload <= 0:
        raise ValueError("an assumed caseload is a number of cases above 0")
    return offences / caseload


# Map bands: a force's figure against England and Wales's (a ratio), so the legend means the same
# whatever the year. (lower bound of the ratio, band), highest first.
DEMAND_BANDS = (
    (1.25, "25% or more above England and Wales"),
    (1.10, "10-25% above England and Wales"),
    (0.90, "within 10% of England and Wales"),
    (0.75, "10-25% below England and Wales"),
    (0.0, "25% or more below England and Wales"),
)


def demand_band(value: float | None, england_and_wales: float | None) -> str:
    """The band of a figure against England and Wales's; NOT_REPORTED when there is no figure."""
    if value is None or england_and_wales is None or england_and_wales <= 0 or value != value:
        return NOT_REPORTED
    ratio = value / england_and_wales
    return next(band for low, band in DEMAND_BANDS if ratio >= low)


STALKING_RATE = Theme(
    "stalking_rate",
    "Recorded stalking per 1,000 people",
    "stalking_rate_band",
    tuple(b for _, b in DEMAND_BANDS) + (NOT_REPORTED,),
    (),
    "stalking_rate_text",
    "",
    "demand_period_end",
)
ADVOCATE_RATE = Theme(
    "advocate_rate",
    "Advocate posts per 1,000 recorded stalking offences",
    "advocate_rate_band",
    tuple(b for _, b in DEMAND_BANDS) + (NOT_REPORTED,),
    (),
    "advocate_rate_text",
    "",
    "isac_reported_on",
)
DEMAND_THEMES = {t.key: t for t in (STALKING_RATE, ADVOCATE_RATE)}


def as_table() -> list[tuple[str, str, str]]:
    """(name, value, meaning) of the rules the database views read, for the `rules` table."""
    return [
        (
            "at_risk_window_months",
            str(AT_RISK_WINDOW_MONTHS),
            "Months after the viewed date within which a dated funding end counts as ending soon.",
        ),
        (
            "series_break",
            SERIES_BREAK.isoformat(),
            "Recorded stalking for periods ending before this date is not comparable with later periods.",
        ),
        (
            "not_reported",
            NOT_REPORTED,
            "What a theme reads as for a force area no source or return says anything about: not none.",
        ),
        (
            "cliff_edge",
            CLIFF_EDGE.isoformat(),
            "The end of the 2024/25 financial year, when most stalking funding in the source ended.",
        ),
    ]
