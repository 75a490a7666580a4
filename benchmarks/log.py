"""Benchmark the letter log and the campaign map at organiser scale.

    python benchmarks/log.py                 # 10,000 letters
    python benchmarks/log.py --letters 100000

Prints, for a fresh log in a temporary folder: recording a batch's letters, listing them,
the chase list (working days for every sent letter), building the report and rendering it
as HTML, and forgetting everything (with VACUUM). Figures only: no thresholds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from actkit import offline  # noqa: E402
from actkit.logbook import BatchRecord, Logbook, NewLetter, Recipient  # noqa: E402
from actkit.report import build_report, letters_from_log, to_html  # noqa: E402


def synthetic_letters(count: int) -> Iterator[NewLetter]:
    seats = list(offline.sitting_mps().items())
    for row in range(1, count + 1):
        gss, mp = seats[row % len(seats)]
        seat = offline.constituencies()[gss]
        yield NewLetter(
            date=date(2027, 1, 4),
            template="blank",
            subject="Please act",
            recipient=Recipient(mp.name, seat.name, gss, member_id=mp.member_id, party=mp.party),
            sender_name=f"Supporter {row}",
            format="txt",
            digest="0" * 64,
            file=f"/tmp/batch/{row:06d}.txt",
            batch_row=row,
        )


def timed(label: str, action: Callable[[], Any], count: int) -> Any:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label:<42} {seconds * 1000:9.1f} ms   {count / seconds:12,.0f} letters/s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    count = parser.parse_args().letters
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.db"
        book = Logbook(path)
        batch = BatchRecord(Path(folder) / "batch", "blank", None, count, count, 0, 0)
        timed("record a batch", lambda: book.record_batch(batch, synthetic_letters(count)), count)
        timed(
            "record it again (--resume: nothing new)",
            lambda: book.record_batch(batch, synthetic_letters(count)),
            count,
        )
        rows = list(range(1, count + 1))
        timed(
            "mark every row sent",
            lambda: book.mark_batch_sent(batch.folder, rows, on=date(2027, 1, 5), via="post"),
            count,
        )
        letters = timed("list every letter", book.letters, count)
        today = date(2027, 1, 5) + timedelta(days=40)
        timed(
            "chase list (working days per letter)",
            lambda: book.chase_list(today=today, after=15),
            count,
        )
        report = timed(
            "build the report",
            lambda: build_report(letters_from_log(letters), title="bench", today=today),
            count,
        )
        page = timed("render the HTML page", lambda: to_html(report), count)
        print(f"{'log size':<42} {path.stat().st_size / 1e6:9.1f} MB")
        print(f"{'page size':<42} {len(page.encode()) / 1e3:9.1f} kB")
        timed("forget everything + VACUUM", lambda: book.forget(everything=True), count)
        print(f"{'log size after forget':<42} {path.stat().st_size / 1e6:9.1f} MB")
        book.close()


if __name__ == "__main__":
    main()
