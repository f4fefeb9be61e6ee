"""Words and dates as the dashboard writes them: long dates, ages, slugs and name keys.

Used by charts, exports, the ETL and the pages, so a date or an age reads the
same wherever it appears. No Streamlit, no SQL.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from core import clock


def long_date(d: dt.date) -> str:
    """'19 December 2024'."""
    return f"{d.day} {d:%B %Y}"


def short_date(d: dt.date) -> str:
    """'19 Dec 2024'."""
    return f"{d.day} {d:%b %Y}"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from `earlier` to `later` (0 when less than a month)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def age_text(as_at: dt.date, today: dt.date | None = None) -> str:
    """'1 year 11 months old': how old information dated as_at is today."""
    today = today or clock.today()
    months = max(months_between(as_at, today), 0)
    if months < 1:
        days = (today - as_at).days
        return f"{days} day{'s' * (days != 1)} old"
    years, rest = divmod(months, 12)
    parts = ([f"{years} year{'s' * (years != 1)}"] if years else []) + (
        [f"{rest} month{'s' * (rest != 1)}"] if rest else []
    )
    return " ".join(parts) + " old"


def data_as_at_line(data_date: dt.date, today: dt.date | None = None) -> str:
    """'Data as at 19 December 2024 (1 year 11 months old on 1 December 2026).'"""
    today = today or clock.today()
    return f"Data as at {long_date(data_date)} ({age_text(data_date, today)} on {long_date(today)})."


def slug(text: str, max_length: int = 60) -> str:
    """'3 of 4 force areas in Wales…' -> '3-of-4-force-areas-in-wales'. ASCII, lower case, no trailing dash."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(words) > max_length:
        words = words[:max_length].rsplit("-", 1)[0] if "-" in words[:max_length] else words[:max_length]
    return words.strip("-") or "export"


def file_stem(title: str, as_at: dt.date | None) -> str:
    """File name without extension: a slug of the title and the as-at date."""
    stem = slug(title)
    return f"{stem}-{as_at.isoformat()}" if as_at else stem


def export_stem(name: str, place: str, as_at: dt.date | None) -> str:
    """A short, stable file name without extension: what, where and when.

    'funding-timeline', 'England and Wales', 19 Dec 2024 -> 'funding-timeline-england-and-wales-2024-12-19'."""
    parts = [slug(name, 40), slug(place, 40)]
    return "-".join(parts + ([as_at.isoformat()] if as_at else []))


def pounds(amount) -> str:
    """'£120,000': whole pounds with thousands separators; '' when there is no amount."""
    try:
        return f"£{int(amount):,}"
    except (TypeError, ValueError):
        return ""


def amount_words(amount, disclosure: str | None = None) -> str:
    """A funded service's annual amount as an office returned it: '£120,000 a year', 'amount not
    shared' (it preferred not to say), 'amount not known', or '' when nothing was said."""
    if text := pounds(amount):
        return f"{text} a year"
    if disclosure == "prefer not to say":
        return "amount not shared"
    if disclosure == "not known":
        return "amount not known"
    return ""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 service', '2 services', '1 force area', '0 force areas'."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


@lru_cache(maxsize=65_536)
def alias_key(name: str) -> str:
    """The form of a force name used for matching: case, '&', hyphens and 'the' do not matter."""
    key = name.lower().replace("&", " and ").replace("-", " ").replace(",", " ").replace(".", " ")
    key = re.sub(r"\s+", " ", key).strip()
    return key[4:] if key.startswith("the ") else key


# Characters no input value may hold: control characters (NUL, tab, line breaks, the escape
# that starts terminal codes, C1 controls), Unicode line and paragraph separators, and the
# marks that reorder text on screen (bidirectional overrides and isolates). Each could make
# a value print, display or compare differently from what a reader sees.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unprintable(text: str) -> str | None:
    """The first character of `text` that no input value may hold (see UNPRINTABLE), or None."""
    found = UNPRINTABLE.search(text)
    return found.group() if found else None


def char_name(char: str) -> str:
    """'U+001B' for a character, as messages name it."""
    return f"U+{ord(char):04X}"


def printable(text: object) -> str:
    """`text` with every UNPRINTABLE character written as an escape (\\n, \\x1b, \\u202e), so it
    prints on one line and cannot move the cursor, colour a terminal or reorder what follows."""
    return UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


# A document's web address as data/sources.csv may hold it: https, a host name and a path of
# the characters a plain address needs (no query, fragment, space, bracket, quote or angle
# bracket), so a page can make it a Markdown link's target without escaping and it can never
# close the link or carry markup. etl/validate.py refuses any other value with file:row:column.
WEB_ADDRESS = re.compile(r"https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/[A-Za-z0-9._~%/-]*)?")


def web_address(value: object) -> str | None:
    """The address when `value` is a web address as WEB_ADDRESS allows, else None."""
    return value if isinstance(value, str) and WEB_ADDRESS.fullmatch(value) else None
