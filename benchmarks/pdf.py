"""Benchmark PDF output: pages per second for single letters and for a print pack.

    python benchmarks/pdf.py               # 300 single-letter files, then a 300-letter pack
    python benchmarks/pdf.py --letters 1000

Letters are rendered from the built-in syria-civilians template (three A4 pages each, with
twelve references) against offline data, so no network is involved; only the PDF step is
timed. A quarter of the senders have an Arabic name, a quarter a Chinese one, a quarter an
Irish one with an accent, so the fonts a file needs vary as in a real batch.

Single files are what ``actkit letter batch --format pdf`` and ``letter write --format pdf``
write: one document each, each embedding its own font subsets. They are timed as a batch
runs, in one process after one warm-up letter (the fonts are then parsed once and reused;
the first file's extra cost is printed on its own). Every file is then re-opened with pypdf
(outside the timing) to count its pages.

Target (issue 13): at least 100 pages per second on a 2-core machine, for single files.
The verdict uses wall time; CPU time is printed too, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from datetime import date

import pypdf

from actkit import offline
from actkit.facts import load_facts
from actkit.formats.pdf import PackLetter, pack_to_pdf, to_pdf
from actkit.letters import LetterRenderer, Sender
from actkit.templates import load_template

TARGET = 100.0
"""Pages a second, single files (issue 13)."""


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


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def singles(batch: list[PackLetter]) -> None:
    started = time.perf_counter()
    to_pdf(batch[0].letter)  # warm-up: fonts parsed, as the first file of any batch
    first = time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    files = [to_pdf(entry.letter) for entry in batch]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu

    pages = sum(page_count(data) for data in files)
    sizes = sorted(len(data) for data in files)
    rate = pages / seconds
    verdict = "met" if rate >= TARGET else "MISSED"
    print(f"single files: {len(files)} files, {pages} pages in {seconds:.2f} s = "
          f"{rate:.0f} pages/s ({len(files) / seconds:.0f} files/s); CPU {cpu:.2f} s = "
          f"{pages / cpu:.0f} pages/s")  # fmt: skip
    print(f"  target >= {TARGET:.0f} pages/s: {verdict}")
    print(f"  file size: median {statistics.median(sizes) / 1000:.1f} kB "
          f"(from {sizes[0] / 1000:.1f} to {sizes[-1] / 1000:.1f} kB)")  # fmt: skip
    print(f"  first file in a fresh process: {first * 1000:.0f} ms (parses the fonts it uses)")


def pack(batch: list[PackLetter]) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    data = pack_to_pdf(batch, [], "Benchmark pack")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    pages = page_count(data)
    print(f"pack: {len(batch)} letters, {pages} pages, {len(data) / 1e6:.1f} MB "
          f"in {seconds:.2f} s = {pages / seconds:.0f} pages/s; CPU {cpu:.2f} s = "
          f"{pages / cpu:.0f} pages/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=300)
    arguments = parser.parse_args()

    batch = letters(arguments.letters)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load} (wall figures fall when it is high)")
    singles(batch)  # first, so that it does not profit from the pack's warm caches
    pack(batch)


if __name__ == "__main__":
    main()
