"""The product's one clock: every "today" and "now" in the code is read here.

Why one place: ages, the "as at" default, overdue rounds and the stamps on
submissions all depend on the date, and a test must be able to set it (a test
that passes only on the day it was written is a defect). Tests move this clock
with `time-machine` (it moves the system clock for the process, so these
functions follow); a process the tests start (a Streamlit server, the command
line) follows `STALKING_TODAY=YYYY-MM-DD`, which fixes the date and keeps the
time of day running. Nothing else in the product reads the system clock.
"""

from __future__ import annotations

import datetime as dt

from core import settings

# A fixed date for the whole process (tests of subprocesses, demos of a later day). Empty: the real date.
TODAY_SETTING = "STALKING_TODAY"


def _fixed_date() -> dt.date | None:
    return settings.current().today


def today() -> dt.date:
    """The date the product is run on."""
    return _fixed_date() or dt.date.today()


def now() -> dt.datetime:
    """Now, in UTC without a time zone (the form every stored stamp takes)."""
    real = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fixed = _fixed_date()
    return dt.datetime.combine(fixed, real.time()) if fixed else real


def local_now() -> dt.datetime:
    """Now on this machine's wall clock, to the second (build logs and the "generated" line of exports)."""
    real = dt.datetime.now().replace(microsecond=0)
    fixed = _fixed_date()
    return dt.datetime.combine(fixed, real.time()) if fixed else real
