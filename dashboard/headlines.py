"""Headline counts for a set of forces, and the same figures as plain sentences.

Used by the Overview page, the regional comparison and the briefing packs, so
a number reads the same wherever it appears. No Streamlit here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboard.charts import long_date

WITH_ISACS = ("dedicated service", "within wider services")
MASIP_RUNNING = ("established", "pilot")


@dataclass(frozen=True)
class Headlines:
    total: int
    dedicated: int
    within_wider: int
    isac_not_reported: int
    programme: int
    programme_not_reported: int
    masip: int
    masip_not_reported: int
    ending_within_6_months: int
    end_passed: int
    funding_at_risk: int
    funding_not_reported: int


def headlines(coverage: pd.DataFrame) -> Headlines:
    """Counts of forces (not services) in a coverage_at() frame."""
    c = coverage
    return Headlines(
        total=len(c),
        dedicated=int((c["isac_status"] == "dedicated service").sum()),
        within_wider=int((c["isac_status"] == "within wider services").sum()),
        isac_not_reported=int((c["isac_status"] == "not reported").sum()),
        programme=int((c["perpetrator_programme_status"] == "commissioned").sum()),
        programme_not_reported=int((c["perpetrator_programme_status"] == "not reported").sum()),
        masip=int(c["masip_status"].isin(MASIP_RUNNING).sum()),
        masip_not_reported=int((c["masip_status"] == "not reported").sum()),
        ending_within_6_months=int((c["services_ending_within_6_months"] > 0).sum()),
        end_passed=int((c["funding_risk"] == "end date passed").sum()),
        funding_at_risk=int(c["funding_at_risk"].sum()),
        funding_not_reported=int((c["funding_risk"] == "not reported").sum()),
    )


def _areas(n: int) -> str:
    return f"{n} force area{'s' if n != 1 else ''}"


def sentences(h: Headlines, geography: str, as_at: dt.date) -> list[str]:
    """The key figures written out, for briefings and screen readers."""
    of = f"of the {h.total} force areas in {geography}" if geography != "England and Wales" else f"of the {h.total} force areas in England and Wales"
    out = [
        f"{h.dedicated} {of} report a dedicated stalking service and {h.within_wider} report ISACs "
        f"or stalking support within wider victim services; {h.isac_not_reported} are not quoted on "
        "victim support in the source, which does not mean they have none.",
        f"{_areas(h.programme)} report a commissioned stalking perpetrator programme; "
        f"{h.programme_not_reported} are not reported on perpetrator programmes.",
        f"{_areas(h.masip)} report a multi-agency stalking intervention programme or stalking clinic "
        f"running (established or pilot); {h.masip_not_reported} are not reported on this.",
    ]
    funding = (
        f"As at {long_date(as_at)}, {_areas(h.ending_within_6_months)} had funding for a stalking service "
        "ending within six months"
    )
    if h.end_passed:
        funding += f", and {_areas(h.end_passed)} had a stated end date that had already passed with no later update"
    out.append(funding + f"; {h.funding_not_reported} are not reported on funding.")
    return out
