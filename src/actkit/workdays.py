"""Working days and bank holidays, per UK nation, with no network.

Bank holidays come from the ``holidays`` package (its GB subdivisions ENG, WLS, SCT and
NIR, substitute days included), so actkit never keeps a hand-written calendar. Importing
that package takes a tenth of a second or more, longer than the rest of ``actkit event
plan``, so its answers for 2000-2060 ship as a table generated from it
(``python -m actkit.workdays``; a test checks the table still matches the package), and the
package itself is imported only for years outside the table.

A working day is a weekday that is not a bank holiday in that nation: the days a council
office or the GLA is open, and the days a representative's office counts when a reply is
due.
"""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from actkit import nations
from actkit.paths import package_path

__all__ = [
    "add_working_days",
    "bank_holidays",
    "is_working_day",
    "last_working_day_on_or_before",
]

TABLE = "bank_holidays.json"
TABLE_YEARS = range(2000, 2061)
_ONE_DAY = timedelta(days=1)


@functools.cache
def _table() -> dict[str, frozenset[int]]:
    """Bank holidays by nation id, as date ordinals, for ``TABLE_YEARS``."""
    data = json.loads(package_path("data", TABLE).read_text(encoding="utf-8"))
    return {nation.id: frozenset(data["nations"][nation.id]) for nation in nations.NATIONS}


@functools.cache
def _from_package(nation_id: str, year: int) -> frozenset[int]:
    import holidays  # only for years outside the shipped table

    subdivision = nations.by_id(nation_id).holiday_subdivision
    calendar = holidays.country_holidays("GB", subdiv=subdivision, years=year)
    return frozenset(day.toordinal() for day in calendar)


def bank_holidays(nation_id: str, year: int) -> frozenset[int]:
    """That nation's bank holidays in ``year``, as date ordinals."""
    if year in TABLE_YEARS:
        return _table()[nation_id]
    return _from_package(nation_id, year)


def is_working_day(day: date, nation_id: str) -> bool:
    """A weekday that is not a bank holiday in that nation."""
    return day.weekday() < 5 and day.toordinal() not in bank_holidays(nation_id, day.year)


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


def build_table() -> dict[str, Any]:
    """The shipped table, from the ``holidays`` package: what ``python -m`` writes."""
    from importlib.metadata import version  # slow to import, and only for building

    table: dict[str, Any] = {
        "source": f"holidays {version('holidays')} (python-holidays, MIT licence)",
        "years": [TABLE_YEARS.start, TABLE_YEARS.stop - 1],
        "nations": {},
    }
    for nation in nations.NATIONS:
        ordinals: set[int] = set()
        for year in TABLE_YEARS:
            ordinals |= _from_package(nation.id, year)
        table["nations"][nation.id] = sorted(ordinals)
    return table


if __name__ == "__main__":  # regenerate: python -m actkit.workdays
    target = Path(str(package_path("data", TABLE)))
    target.write_text(json.dumps(build_table(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"Wrote {target}")
