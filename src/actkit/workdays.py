"""Working days and bank holidays, per UK nation, with no network.

Bank holidays come from the ``holidays`` package (its GB subdivisions ENG, WLS, SCT and
NIR, substitute days included), so actkit never keeps a hand-written calendar. A working day
is a weekday that is not a bank holiday in that nation: the days a council office or the
GLA is open, and the days a representative's office counts when a reply is due.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import TYPE_CHECKING

from actkit import nations

if TYPE_CHECKING:
    from collections.abc import Container

__all__ = ["add_working_days", "is_working_day", "last_working_day_on_or_before"]

_ONE_DAY = timedelta(days=1)


@functools.cache
def _bank_holidays(nation_id: str, year: int) -> Container[date]:
    import holidays  # imported here: only date arithmetic pays for it

    subdivision = nations.by_id(nation_id).holiday_subdivision
    return holidays.country_holidays("GB", subdiv=subdivision, years=year)


def is_working_day(day: date, nation_id: str) -> bool:
    """A weekday that is not a bank holiday in that nation."""
    return day.weekday() < 5 and day not in _bank_holidays(nation_id, day.year)


def last_working_day_on_or_before(day: date, nation_id: str) -> date:
    """The day itself if it is a working day, else the last working day before it."""
    while not is_working_day(day, nation_id):
        day -= _ONE_DAY
    return day


def add_working_days(start: date, count: int, nation_id: str) -> date:
    """The ``count``-th working day after ``start`` (before it when ``count`` is negative).

    ``start`` itself is never counted: Tuesday 5 January 2027 plus 15 working days in
    England is Tuesday 26 January 2027.
    """
    step = _ONE_DAY if count >= 0 else -_ONE_DAY
    day = start
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, nation_id):
            remaining -= 1
    return day
