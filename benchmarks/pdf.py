"""Benchmark PDF output: pages per second for a print pack and for single letters.

    python benchmarks/pdf.py               # a 300-letter pack, then 50 single letters
    python benchmarks/pdf.py --letters 1000

Letters are rendered from the built-in syria-civilians template (two A4 pages each, with
eight references) against offline data, so no network is involved; only the PDF step is
timed. Target (issue 12): at least 100 pages per second on a 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import date

import pypdf

from actkit import offline
from actkit.facts import load_facts
from actkit.formats.pdf import PackLetter, pack_to_pdf, to_pdf
from actkit.letters import LetterRenderer, Sender
from actkit.templates import load_template


def letters(count: int) -> list[PackLetter]:
    renderer = LetterRenderer(load_template("syria-civilians", None), load_facts(None))
    gss = offline.gss_for_postcode("NR2 1AB")
    assert gss is not None
    mp, constituency = offline.mp_for(gss), offline.constituency(gss)
    assert mp is not None and constituency is not None
    names = ["Alex Example", "فاطمة الزهراء", "王小明", "Siobhán Ní Bhriain"]
    return [
        PackLetter(
            row,
            renderer.render(
                mp=mp,
                constituency=constituency,
                sender=Sender(names[row % 4], ("1 High Street", "Norwich"), "NR2 1AB"),
                personal=f"I have lived here for {row % 40 + 1} years and this matters to me.",
                letter_date=date(2026, 11, 25),
                source="offline",
            ),
        )
        for row in range(1, count + 1)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--singles", type=int, default=50)
    arguments = parser.parse_args()

    batch = letters(arguments.letters)
    to_pdf(batch[0].letter)  # warm up: fonts and the width cache, as in any long run
    started, cpu = time.perf_counter(), time.process_time()
    data = pack_to_pdf(batch, [], "Benchmark pack")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    print(f"pack: {arguments.letters} letters, {pages} pages, {len(data) / 1e6:.1f} MB "
          f"in {seconds:.2f} s = {pages / seconds:.0f} pages/s; CPU {cpu:.2f} s = "
          f"{pages / cpu:.0f} pages/s of CPU (what an idle machine gets)")  # fmt: skip

    singles = batch[: arguments.singles]
    started, cpu = time.perf_counter(), time.process_time()
    single_pages = 0
    for entry in singles:
        single = to_pdf(entry.letter)
        single_pages += len(pypdf.PdfReader(io.BytesIO(single)).pages)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"single letters: {len(singles)} files, {single_pages} pages in {seconds:.2f} s = "
          f"{single_pages / seconds:.0f} pages/s; CPU {single_pages / cpu:.0f} pages/s "
          "(each file embeds its own font subsets; re-opening with pypdf included)")  # fmt: skip


if __name__ == "__main__":
    main()
