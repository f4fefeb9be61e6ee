"""Key figures as sentences, for a force, a region or England and Wales.

Used by the Overview ("the key figures in words") and by the briefing packs, so
the same numbers are said in the same words. Counts and statuses follow
core.rules, and every count says how many of its force areas reported it in the
last 12 months before the date shown, and how many are not reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from core import headlines, rules
from core.rules import FUNDING_ENDED, NOT_REPORTED
from core.text import long_date, short_date
from exports.scope import Scope


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _verb(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _others(counts: pd.Series, phrases: dict[str, Callable[[int], str]], skip: tuple[str, ...]) -> str:
    """'1 reported training or champions only and 2 are not reported' for the statuses not counted."""
    parts = [
        phrases[status](int(counts.get(status, 0)))
        for status in phrases
        if status not in skip and counts.get(status, 0)
    ]
    return _join(parts)


_ENDED = {FUNDING_ENDED: lambda c: f"{c} reported one whose funding has all ended, renewal not reported"}
_ISAC_OTHERS = {
    "stalking support within wider services": lambda c: (
        f"{c} reported stalking support within wider services with no ISA stated"
    ),
    FUNDING_ENDED: lambda c: f"{c} reported a service whose funding has all ended, renewal not reported",
    "training or champions only": lambda c: f"{c} reported stalking training or champions only",
    "model not stated": lambda c: f"{c} reported stalking advocates without saying how they are provided",
    "none stated": lambda c: f"{c} indicated there is no ISA or specialist stalking service",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_PROGRAMME_OTHERS = {
    **_ENDED,
    "developing": lambda c: f"{c} reported developing one",
    "none stated": lambda c: f"{c} indicated there is none",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_MASIP_OTHERS = {
    **_ENDED,
    "developing": lambda c: f"{c} reported setting one up",
    "exploring": lambda c: f"{c} reported exploring one",
    "none stated": lambda c: f"{c} indicated there is none",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_FUNDING_OTHERS = {
    "later end date": lambda c: f"{c} reported end dates more than six months away",
    "no end date reported": lambda c: f"{c} reported funded services with no end date or risk stated",
    FUNDING_ENDED: lambda c: f"{c} reported funding that has all ended, renewal not reported",
    "funding constraint stated": lambda c: (
        f"{c} reported that funding limits or prevents a stalking service or ISAs, with no funded service"
    ),
    "statements only": lambda c: f"{c} {_verb(c, 'was', 'were')} quoted on funding but reported no funded service",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported on funding",
}


def _sentence(main: str, others: str) -> str:
    return f"{main}; {others}." if others else f"{main}."


def _recent(count: headlines.Count, detail: str = "") -> str:
    """' (2 dedicated services; 0 of them reported in the last 12 months)': one bracket for both."""
    parts = [detail] if detail else []
    if count.count == 1:
        parts.append(f"{'' if count.current else 'not '}reported {rules.CURRENT_WORDS}")
    elif count.count:
        parts.append(f"{count.current} of them reported {rules.CURRENT_WORDS}")
    return f" ({'; '.join(parts)})" if parts else ""


def area_sentences(cov: pd.DataFrame, streams: pd.DataFrame, scope: Scope, as_at: dt.date) -> list[str]:
    """Key figures for a region or England and Wales, as sentences."""
    n = len(cov)
    where = f"the {n} force areas in {scope.place}" if n != 1 else f"the 1 force area in {scope.place}"
    out = []

    isac = cov["isac_status"].value_counts()
    k = headlines.count(cov, "isac")
    detail = _detail(
        isac,
        {
            "dedicated service": ("dedicated service", "dedicated services"),
            "ISACs within wider services": ("with ISAs within wider services", "with ISAs within wider services"),
        },
    )
    out.append(
        _sentence(
            f"{k.count} of {where} reported a dedicated stalking service or ISAs within wider services"
            + _recent(k, detail),
            _others(isac, _ISAC_OTHERS, rules.ISAC.provided),
        )
    )
    counts = cov["isac_count"].dropna()
    if len(counts):
        total = int(counts.sum())
        out.append(
            f"Where a number is stated, {count_of(total, 'ISA')} {_verb(total, 'is', 'are')} reported across "
            f"{count_of(len(counts), 'force area')}."
        )

    prog = cov["perpetrator_programme_status"].value_counts()
    k = headlines.count(cov, "programme")
    out.append(
        _sentence(
            f"{k.count} of {where} reported a commissioned stalking perpetrator programme" + _recent(k),
            _others(prog, _PROGRAMME_OTHERS, rules.PROGRAMME.provided),
        )
    )

    masip = cov["masip_status"].value_counts()
    k = headlines.count(cov, "masip")
    detail = _detail(masip, {"established": ("established", "established"), "pilot": ("pilot", "pilots")})
    out.append(
        _sentence(
            f"{k.count} of {where} reported a multi-agency stalking intervention "
            "programme (MASIP), stalking clinic or panel that is running" + _recent(k, detail),
            _others(masip, _MASIP_OTHERS, rules.MASIP.provided),
        )
    )

    risk = cov["funding_risk"].value_counts()
    k = headlines.count(cov, "funding_at_risk")
    parts = [
        f"{int(risk.get(s, 0))} {label}"
        for s, label in (
            ("ends within 6 months", "with a funded service ending within six months"),
            ("at risk, no date", "said to be at risk with no end date that has passed"),
        )
        if risk.get(s, 0)
    ]
    main = f"At {long_date(as_at)}, {k.count} of {where} {_verb(k.count, 'has', 'have')} stalking funding at risk"
    main += f" ({_join(parts)})" if parts else ""
    main += _recent(k)
    out.append(_sentence(main, _others(risk, _FUNDING_OTHERS, rules.FUNDING_AT_RISK)))
    out.extend(_stream_sentences(streams, scope, as_at))
    return out


def _detail(counts: pd.Series, labels: dict[str, tuple[str, str]]) -> str:
    """'1 dedicated service, 2 with ISACs within wider services': the non-zero parts of a total,
    each label (singular, plural) agreeing with its count."""
    parts = [
        f"{int(counts.get(s, 0))} {one if int(counts.get(s, 0)) == 1 else many}"
        for s, (one, many) in labels.items()
        if counts.get(s, 0)
    ]
    return ", ".join(parts)


def _stream_sentences(streams: pd.DataFrame, scope: Scope, as_at: dt.date) -> list[str]:
    if streams.empty:
        return [
            f"No funded stalking services are reported for {scope.place}: not reported, which is not the same as none."
        ]
    states = streams["state"].value_counts()
    dated = streams[streams["end_date"].notna()]
    out = (
        f"{count_of(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported for "
        f"{scope.place}"
    )
    if len(dated):
        within = int(states.get(rules.SERVICE_ENDS_SOON, 0))
        ended = int(states.get(rules.SERVICE_ENDED, 0))
        derived = int(dated["end_derived"].sum())
        out += (
            f"; {len(dated)} {_verb(len(dated), 'has', 'have')} an end date"
            + (f" ({derived} derived from the source's words, not stated)" if derived else "")
            + f", {within} {_verb(within, 'ends', 'end')} within six months after {long_date(as_at)}"
        )
        if ended:
            out += f", and {ended} {_verb(ended, 'has', 'have')} ended with no renewal reported"
    return [out + "."]


_FORCE_ISAC = {
    "dedicated service": "{name} reported a dedicated stalking service for victims{count}.",
    "ISACs within wider services": "{name} reported ISAs within wider victim or domestic abuse services{count}.",
    "stalking support within wider services": (
        "{name} reported stalking support within wider victim or domestic abuse services, with no ISA stated{posts}."
    ),
    FUNDING_ENDED: (
        "{name} reported stalking support for victims ({reported}), but every funded service for it has an end date "
        "that has passed, and no renewal is reported."
    ),
    "training or champions only": (
        "{name} reported stalking training or champions in wider services, with no ISA or specialist advocate stated."
    ),
    "model not stated": "{name} reported stalking advocates, but the source does not say how they are provided{count}.",
    "none stated": "The source indicates {name} has no ISA or specialist stalking service.",
}
_FORCE_PROGRAMME = {
    "commissioned": "{name} reported a commissioned stalking perpetrator programme.",
    FUNDING_ENDED: (
        "{name} reported a commissioned stalking perpetrator programme whose funding has all ended, renewal not reported."
    ),
    "developing": "{name} reported a stalking perpetrator programme being procured, designed or scoped.",
    "none stated": "The source indicates {name} has no stalking perpetrator intervention.",
}
_FORCE_MASIP = {
    "established": "{name} reported an established MASIP, stalking clinic or panel.",
    "pilot": "{name} reported a MASIP, stalking clinic or panel running as a pilot.",
    FUNDING_ENDED: "{name} reported a MASIP, stalking clinic or panel whose funding has all ended, renewal not reported.",
    "developing": "{name} reported a MASIP, stalking clinic or panel being set up.",
    "exploring": "{name} reported exploring a MASIP or stalking clinic.",
    "none stated": "The source indicates {name} has no MASIP, stalking clinic or panel.",
}


def _when(row: pd.Series, theme: rules.Theme) -> str:
    """' (last reported 19 Dec 2024, more than 12 months before 1 December 2026)'."""
    reported_on = row[theme.reported_on]
    if pd.isna(reported_on):
        return ""
    text = f"last reported {short_date(pd.Timestamp(reported_on).date())}"
    if not row[theme.current_column]:
        text += f", more than 12 months before {long_date(pd.Timestamp(row['as_at']).date())}"
    return f" ({text})"


def force_sentences(row: pd.Series, streams: pd.DataFrame, as_at: dt.date) -> list[str]:
    """Key figures for one force, as sentences, each with the date its status was last reported."""
    name = row["short_name"]
    count = row["isac_count"]
    count_text = "" if pd.isna(count) else f", with {count_of(int(count), 'ISA')} stated"
    posts = row.get("dedicated_stalking_posts")
    posts_text = "" if posts is None or pd.isna(posts) else f" (and {count_of(int(posts), 'dedicated stalking post')})"

    def pick(templates: dict[str, str], theme: rules.Theme, topic: str) -> str:
        status = row[theme.column]
        if status == NOT_REPORTED or status not in templates:
            return (
                f"{topic} in {name}: not reported. The sources do not quote {name} on this, "
                "which is not the same as none."
            )
        sentence = templates[status].format(
            name=name, count=count_text, posts=posts_text, reported=row.get(theme.column + "_reported", status)
        )
        return sentence[:-1] + _when(row, theme) + "."

    out = [
        pick(_FORCE_ISAC, rules.ISAC, "Support for stalking victims"),
        pick(_FORCE_PROGRAMME, rules.PROGRAMME, "A stalking perpetrator programme"),
        pick(_FORCE_MASIP, rules.MASIP, "A MASIP or stalking clinic"),
    ]
    risk = row["funding_risk"]
    nxt = row["next_funding_end"]
    nxt_text = long_date(pd.Timestamp(nxt).date()) if pd.notna(nxt) else None
    if nxt_text and row.get("next_funding_end_derived"):
        nxt_text += " (derived from the source's words, not stated)"
    last = row.get("last_funding_end_passed")
    last_text = long_date(pd.Timestamp(last).date()) if last is not None and pd.notna(last) else None
    if risk == "ends within 6 months":
        sentence = (
            f"{name} has a funded stalking service ending within six months after {long_date(as_at)}: "
            f"the next end date is {nxt_text}."
        )
    elif risk == "at risk, no date":
        sentence = f"{name} reported stalking funding at risk or unconfirmed, with no end date that has passed."
    elif risk == FUNDING_ENDED:
        sentence = (
            f"Funding for stalking services in {name} ended {last_text or 'before ' + long_date(as_at)} — "
            "renewal not reported."
        )
    elif risk == "later end date":
        sentence = (
            f"Every end date for funded stalking services in {name} is more than six months after "
            f"{long_date(as_at)}; the next is {nxt_text}."
        )
    elif risk == "no end date reported":
        sentence = f"{name} reported funded stalking services with no end date and no risk stated."
    elif risk == "funding constraint stated":
        sentence = (
            f"{name} reported that funding limits or prevents a stalking service or ISAs; no funded stalking "
            "service is reported."
        )
    elif risk == "statements only":
        sentence = f"{name} is quoted on funding, but no funded stalking service, end date or risk is reported."
    else:
        sentence = (
            f"Funding for stalking services in {name}: not reported. The sources do not quote {name} on "
            "funding, which is not the same as no funding."
        )
    if risk != NOT_REPORTED:
        sentence = sentence[:-1] + _when(row, rules.FUNDING) + "."
    out.append(sentence)
    if len(streams):
        out.append(
            f"{count_of(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported for {name}."
        )
    return out


# ---------------------------------------------------------------- the brief's findings: short sentences

# What a force area reported on each theme, in a few words (the brief's force findings).
_STATUS_WORDS = {
    "dedicated service": "a dedicated stalking service for victims",
    "ISACs within wider services": "ISAs within wider victim or domestic abuse services",
    "stalking support within wider services": "stalking support within wider services, with no ISA stated",
    "training or champions only": "stalking training or champions only, with no ISA stated",
    "model not stated": "stalking advocates, without saying how they are provided",
    "commissioned": "a commissioned stalking perpetrator programme",
    "developing": "one being procured, designed or set up",
    "exploring": "exploring one",
    "established": "an established MASIP, stalking clinic or panel",
    "pilot": "a MASIP, stalking clinic or panel running as a pilot",
}
_TOPICS = {
    rules.ISAC.key: "Victim support",
    rules.PROGRAMME.key: "Perpetrator programme",
    rules.MASIP.key: "MASIP or stalking clinic",
}


def _tense(when: dt.date, today: dt.date, past: str, present: str) -> str:
    return past if when < today else present


def ends_words(end: dt.date, today: dt.date, *, derived: bool = False) -> str:
    """'was due to end on 31 March 2025 (passed)' or 'is due to end on 31 March 2027'."""
    date = long_date(end) + (" (derived from the source's words, not stated)" if derived else "")
    return f"was due to end on {date}, a date that has passed" if end < today else f"is due to end on {date}"


def _funding_findings(streams: pd.DataFrame, today: dt.date, who: str) -> list[str]:
    """The funded services' end dates in the past or future tense, as read on `today`."""
    if streams.empty:
        return [f"No funded stalking services are reported for {who}: not reported, which is not the same as none."]
    dated = streams[streams["end_date"].notna()].copy()
    if dated.empty:
        return [
            f"{count_of(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported "
            f"for {who}, none with an end date."
        ]
    ends = pd.to_datetime(dated["end_date"]).dt.date
    passed = dated[ends < today]
    coming = dated[ends >= today].assign(_end=ends[ends >= today]).sort_values("_end")
    out = []
    n = len(dated)
    if len(passed):
        last = max(pd.to_datetime(passed["end_date"]).dt.date)
        if len(passed) == n == 1:
            only = passed.iloc[0]
            out.append(
                f"The one funded service with an end date was due to end on {long_date(last)}"
                + (" (derived from the source's words, not stated)" if only["end_derived"] else "")
                + "; that date has passed and no renewal is reported."
            )
        elif len(passed) == n:
            out.append(
                f"All {n} funded services with an end date were due to end by {long_date(last)}; "
                "those dates have passed and no renewal is reported."
            )
        else:
            out.append(
                f"{len(passed)} of the {n} funded services with an end date were due to end by "
                f"{long_date(last)}; those dates have passed and no renewal is reported."
            )
    if len(coming):
        first = coming.iloc[0]
        out.append(
            f"The next end of funding is {long_date(first['_end'])}"
            + (" (derived from the source's words, not stated)" if first["end_derived"] else "")
            + "."
        )
    return out


def _deadline(today: dt.date) -> str:
    due = long_date(rules.RECOMMENDATIONS_DUE)
    if rules.RECOMMENDATIONS_DUE < today:
        return f"Recommendations 15, 16 and 25 were due by {due}, a deadline that has passed"
    return f"Recommendations 15, 16 and 25 are due by {due}"


def _recommendation_finding(recs: pd.DataFrame | None, today: dt.date, offices: int) -> str | None:
    if recs is None or recs.empty:
        return None
    returned = recs[recs["status"] != rules.NOT_RETURNED]
    if returned.empty:
        return f"{_deadline(today)}; no office has returned a status for them yet."
    done = returned[returned["status"] == "complete"]
    forces = returned["pfa_code"].nunique()
    return (
        f"{_deadline(today)}; {forces} of {offices} offices {_verb(forces, 'has', 'have')} returned a status, "
        f"with {count_of(len(done), 'recommendation')} complete."
    )


def _force_recommendations(recs: pd.DataFrame | None, today: dt.date, name: str) -> str | None:
    if recs is None or recs.empty:
        return None
    returned = recs[recs["status"] != rules.NOT_RETURNED].sort_values("recommendation")
    if returned.empty:
        return f"{_deadline(today)}; {name}'s office has not returned a status for them."
    parts = "; ".join(f"Recommendation {r.recommendation} {r.status}" for r in returned.itertuples())
    return f"{_deadline(today)}. {name}'s office returned: {parts}."


def area_findings(
    cov: pd.DataFrame,
    streams: pd.DataFrame,
    scope: Scope,
    as_at: dt.date,
    today: dt.date,
    recs: pd.DataFrame | None = None,
) -> list[str]:
    """The brief's headline findings for a region or England and Wales: short sentences, each number
    once, dates in the past tense once they have passed (read on `today`)."""
    n = len(cov)
    where = f"the {n} force areas in {scope.place}" if n != 1 else f"the force area in {scope.place}"
    out = []
    for key, words in (
        ("isac", "reported ISAs or a dedicated stalking service"),
        ("programme", "reported a commissioned stalking perpetrator programme"),
        ("masip", "reported a multi-agency stalking intervention programme (MASIP) or stalking clinic running"),
    ):
        k = headlines.count(cov, key)
        subject = f"{k.count} of {where}" if key == "isac" else f"{k.count} of {n}"
        silent = f"; {k.not_reported} {_verb(k.not_reported, 'is', 'are')} not quoted on it" if k.not_reported else ""
        out.append(f"{subject} {words}{silent}.")
        if key == "isac":
            counts = cov["isac_count"].dropna()
            if len(counts):
                total = int(counts.sum())
                out.append(
                    f"Where a number is stated, {count_of(total, 'ISA')} {_verb(total, 'is', 'are')} reported "
                    f"across {count_of(len(counts), 'force area')}."
                )
    k = headlines.count(cov, "funding_at_risk")
    verb = _tense(as_at, today, _verb(k.count, "had", "had"), _verb(k.count, "has", "have"))
    out.append(f"At {long_date(as_at)}, {k.count} of {n} {verb} stalking funding at risk.")
    out.extend(_funding_findings(streams, today, scope.place))
    if (line := _recommendation_finding(recs, today, n)) is not None:
        out.append(line)
    return out


def force_findings(
    row: pd.Series, streams: pd.DataFrame, as_at: dt.date, today: dt.date, recs: pd.DataFrame | None = None
) -> list[str]:
    """The brief's headline findings for one force: what it reported on each theme, its funding
    with dates in the past tense once passed, and the recommendations. The report dates are said
    once, in the brief's date line (`report_dates`), not in every sentence."""
    name = row["short_name"]
    out = []
    for theme in rules.PROVISION_THEMES:
        status = row[theme.column]
        topic = _TOPICS[theme.key]
        if status == NOT_REPORTED:
            out.append(f"{topic}: not reported. The sources do not quote {name} on it, which is not the same as none.")
            continue
        if status == "none stated":
            out.append(f"{topic}: the source indicates {name} has none.")
            continue
        if status == FUNDING_ENDED:
            out.append(
                f"{topic}: reported ({row.get(theme.column + '_reported', status)}), but every funded service for it "
                "has an end date that has passed, and no renewal is reported."
            )
            continue
        words = _STATUS_WORDS.get(status, status)
        extra = ""
        if theme is rules.ISAC and pd.notna(row["isac_count"]):
            extra = f", with {count_of(int(row['isac_count']), 'ISA')} stated"
        if theme is rules.ISAC and pd.notna(row.get("isa_fte")):
            extra += f"; {row['isa_fte']:g} stalking advocate posts (FTE) returned"
        out.append(f"{topic}: {name} reported {words}{extra}.")
    out.extend(_funding_findings(streams, today, name))
    if (line := _force_recommendations(recs, today, name)) is not None:
        out.append(line)
    return out


def report_dates(cov: pd.DataFrame, as_at: dt.date) -> str:
    """'Each position was last reported on 19 December 2024.', or the dates when they differ: said once."""
    dates = sorted(
        {
            pd.Timestamp(v).date()
            for theme in (*rules.PROVISION_THEMES, rules.FUNDING)
            for v in cov[theme.reported_on]
            if v is not None and pd.notna(v)
        }
    )
    if not dates:
        return "Nothing is reported for these force areas."
    dated = not rules.is_current(dates[-1], as_at)
    mark = f" {rules.DATED_MARK} More than 12 months before {long_date(as_at)}." if dated else ""
    if len(dates) == 1:
        return f"Each position was last reported on {long_date(dates[0])}.{mark}"
    return f"Positions were last reported between {long_date(dates[0])} and {long_date(dates[-1])}.{mark}"
