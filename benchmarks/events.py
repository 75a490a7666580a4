"""Benchmark ``actkit event plan``: the cost of working-day deadlines and of each format.

    python benchmarks/events.py            # every day of 2027, every kind and nation
    python benchmarks/events.py --days 60  # a quicker run

Prints the time to import the ``holidays`` package and build one nation's calendar (paid
once per process), plans per second over many event dates (every kind and nation, so
every working-day count runs), and the time to render one plan in each format. No
targets: the figures are for comparing changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from actkit.events import KINDS, NATIONS, plan_event
from actkit.formats.events import FORMATS, render
from actkit.workdays import is_working_day

TODAY = dt.date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days", type=int, default=365, help="event dates to plan, from 2027-01-01"
    )
    days = parser.parse_args().days

    started = time.perf_counter()
    is_working_day(dt.date(2027, 1, 1), "england")
    print(f"holidays import + first calendar: {1000 * (time.perf_counter() - started):.1f} ms")

    dates = [dt.date(2027, 1, 1) + dt.timedelta(days=i) for i in range(days)]
    count = 0
    started = time.perf_counter()
    for date in dates:
        for kind in KINDS:
            for nation in NATIONS:
                plan_event(
                    kind=kind, date=date, venue="Trafalgar Square", nation=nation, today=TODAY
                )
                count += 1
    elapsed = time.perf_counter() - started
    print(f"plans: {count} in {elapsed:.2f} s ({count / elapsed:,.0f} plans/s)")

    plan = plan_event(
        kind="march", date=dt.date(2027, 4, 5), venue="Park", nation="england", today=TODAY
    )
    for fmt in FORMATS:
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            render(plan, fmt)
            timings.append(time.perf_counter() - started)
        print(f"render {fmt:<4}: median {1000 * statistics.median(timings):.2f} ms")


if __name__ == "__main__":
    main()
