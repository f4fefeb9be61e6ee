"""The position of every force area at a date: what was reported (from the database) read
by the rules (core/rules.py) for that date.

`classify` turns the rows of `coverage_at(d)` and `funding_streams_at(d)` into the
coverage frame every page, chart and export uses: each theme's status at the date
(a provision whose funding has all ended is not counted as running), whether each
report is current or dated, the funding status with its one meaning of "at risk",
and the next and last funding ends. No Streamlit, no SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core import rules


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def stream_states(streams: pd.DataFrame, as_at: dt.date) -> pd.Series:
    """The state of each funded service at `as_at` (core.rules.service_state), aligned with `streams`."""
    return pd.Series(
        [rules.service_state(_date(e), s, as_at) for e, s in zip(streams["end_date"], streams["status"])],
        index=streams.index,
        dtype=object,
    )


def classify(raw: pd.DataFrame, streams: pd.DataFrame, as_at: dt.date) -> pd.DataFrame:
    """The coverage frame at `as_at`: `raw` is coverage_at(as_at), `streams` funding_streams_at(as_at) (all forces)."""
    cov = raw.copy()
    states = stream_states(streams, as_at) if len(streams) else pd.Series(dtype=object)
    by_force: dict[str, list[int]] = {}
    for i, code in zip(streams.index, streams["pfa_code"]):
        by_force.setdefault(code, []).append(i)

    def force_states(code: str, provision: str | None = None) -> list[str]:
        rows = by_force.get(code, [])
        if provision is not None:
            rows = [i for i in rows if streams.at[i, "provision"] == provision]
        return [states[i] for i in rows]

    def last_end(code: str, provision: str) -> dt.date | None:
        ends = [
            _date(streams.at[i, "end_date"]) for i in by_force.get(code, []) if streams.at[i, "provision"] == provision
        ]
        return max((e for e in ends if e is not None), default=None)

    for theme in rules.PROVISION_THEMES:
        reported = cov[theme.column]
        cov[theme.column + "_reported"] = reported
        cov[theme.column] = [
            rules.provision_status(
                status,
                theme.provided,
                force_states(code, theme.dimension),
                _date(reported_on),
                last_end(code, theme.dimension),
            )
            for code, status, reported_on in zip(cov["pfa_code"], reported, cov[theme.reported_on])
        ]

    cov["funding_risk"] = [
        rules.funding_risk(force_states(code), int(r), int(c), int(n))
        for code, r, c, n in zip(
            cov["pfa_code"],
            cov["funding_risk_statements"],
            cov["funding_constraint_statements"],
            cov["funding_statements"],
        )
    ]
    cov["funding_at_risk"] = cov["funding_risk"].isin(rules.FUNDING_AT_RISK)

    def ends(code: str, wanted) -> list[tuple[dt.date, bool]]:
        return sorted(
            (_date(streams.at[i, "end_date"]), bool(streams.at[i, "end_derived"]))
            for i in by_force.get(code, [])
            if _date(streams.at[i, "end_date"]) is not None and wanted(states[i], _date(streams.at[i, "end_date"]))
        )

    upcoming = [ends(code, lambda state, end: state != rules.SERVICE_ENDED) for code in cov["pfa_code"]]
    passed = [ends(code, lambda state, end: end < as_at) for code in cov["pfa_code"]]
    cov["next_funding_end"] = pd.to_datetime([u[0][0] if u else None for u in upcoming])
    cov["next_funding_end_derived"] = [bool(u[0][1]) if u else False for u in upcoming]
    cov["last_funding_end_passed"] = pd.to_datetime([p[-1][0] if p else None for p in passed])
    cov["services_ending_within_6_months"] = [
        force_states(code).count(rules.SERVICE_ENDS_SOON) for code in cov["pfa_code"]
    ]
    cov["services_ended"] = [force_states(code).count(rules.SERVICE_ENDED) for code in cov["pfa_code"]]

    for theme in rules.THEMES.values():
        cov[theme.current_column] = [
            rules.is_current(_date(d), as_at) if status != rules.NOT_REPORTED else False
            for d, status in zip(cov[theme.reported_on], cov[theme.column])
        ]
    return cov


def streams_at(streams: pd.DataFrame, as_at: dt.date) -> pd.DataFrame:
    """The funded services with their state at `as_at` (`state`) and whether each is at risk (`at_risk`)."""
    out = streams.copy()
    out["state"] = stream_states(streams, as_at) if len(streams) else pd.Series(dtype=object)
    out["at_risk"] = out["state"].isin(rules.SERVICE_STATES_AT_RISK)
    return out


def by_funder(streams: pd.DataFrame) -> pd.DataFrame:
    """The funded services per funder: how many, in how many force areas, how many shared their
    annual amount, and the sum of the amounts shared. Amounts not shared are never estimated, so
    the sum is empty (not 0) when none was shared. Funders with the most shared first."""
    if streams.empty:
        return pd.DataFrame(columns=["funder", "services", "forces", "services_with_amount", "amount_shared"])
    frame = streams.assign(_amount=pd.to_numeric(streams["amount"], errors="coerce"))
    out = (
        frame.groupby("funder")
        .agg(
            services=("funder", "size"),
            forces=("pfa_code", "nunique"),
            services_with_amount=("_amount", "count"),
            amount_shared=("_amount", lambda s: s.sum(min_count=1)),
        )
        .reset_index()
    )
    return out.sort_values(
        ["amount_shared", "services", "funder"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)


def _long(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def service_when(state: str, end_date, end_derived: bool, end_wording: str | None) -> str:
    """How a funded service's dates read at the date shown, in words:
    'ended 31 March 2025 — renewal not reported', 'ends 31 August 2025, within six months
    (end derived from "The [one-year] pilot", not stated)', 'at risk, no end date stated'."""
    end = _date(end_date)
    derived = ""
    if end is not None and end_derived:
        derived = f" (end derived from “{end_wording}”, not stated)" if end_wording else " (end derived, not stated)"
    if state == rules.SERVICE_ENDED:
        return f"ended {_long(end)} — renewal not reported{derived}" if end else "ended (reported in a return)"
    if state == rules.SERVICE_ENDS_SOON:
        return f"ends {_long(end)}, within {rules.AT_RISK_WINDOW_WORDS}{derived}"
    if state == rules.SERVICE_PAST_GRANT:
        return "one-off grant given in the past, period not stated: not known to be in place"
    if state == rules.SERVICE_AT_RISK:
        return f"at risk, ends {_long(end)}{derived}" if end else "at risk, no end date stated"
    if end is not None:
        return f"ends {_long(end)}{derived}"
    return "no end date stated"
