"""Every letter format in a batch: wall time and letters a second, against plain text.

    python benchmarks/formats.py               # 1,000 supporters, offline, each format
    python benchmarks/formats.py --rows 300 --formats txt,docx,pdf
    python benchmarks/formats.py --jobs 1      # each batch in one process

Runs ``actkit letter batch --offline`` as a user would (a subprocess, start-up included) on
the same spreadsheet once per format, with the letters written to a temporary folder, and
prints the wall time, letters a second and the ratio to the .txt batch. Targets (issue 13):
.docx and .html at least 300 letters a second; a 1,000-row .docx batch at most 5x the wall
time of the .txt batch; .pdf at least 100 pages a second.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.batch import make_supporters  # noqa: E402

TARGETS = {"html": 300.0, "docx": 300.0}
"""Letters a second."""


def run_batch(csv_path: Path, out: Path, fmt: str, home: Path, jobs: int | None = None) -> float:
    env = {**os.environ, "ACTKIT_HOME": str(home)}
    env.pop("ACTKIT_CAMPAIGN", None)
    command = [
        sys.executable, "-m", "actkit", "letter", "batch", str(csv_path),
        "-t", "syria-civilians", "--out", str(out), "--format", fmt,
        "--offline", "--date", "2026-12-02", "--no-log",
        *(["--jobs", str(jobs)] if jobs else []),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def pdf_pages(out: Path) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(str(path)).pages) for path in out.rglob("*.pdf"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--formats", default="txt,md,html,eml,docx")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for each batch")
    options = parser.parse_args()
    formats = options.formats.split(",")
    with tempfile.TemporaryDirectory(prefix="actkit-formats-", dir=options.workdir) as tmp:
        work = Path(tmp)
        csv_path = work / "supporters.csv"
        make_supporters(csv_path, options.rows)
        run_batch(csv_path, work / "warm", "txt", work / "home")  # bytecode, file cache
        processes = f"--jobs {options.jobs}" if options.jobs else "actkit's default --jobs"
        print(
            f"{options.rows:,} supporters, offline, one `letter batch` run per format "
            f"(start-up included; {processes})"
        )
        print(f"{'format':<7}{'wall':>9}{'letters/s':>11}{'x txt':>8}  target")
        base = None
        for fmt in formats:
            seconds = run_batch(csv_path, work / f"out-{fmt}", fmt, work / "home", options.jobs)
            written = sum(1 for path in (work / f"out-{fmt}").rglob(f"*.{fmt}"))
            rate = written / seconds
            base = base or (seconds if fmt == "txt" else None)
            ratio = f"{seconds / base:>7.2f}x" if base else "      -"
            target = ""
            if fmt in TARGETS:
                target = f">= {TARGETS[fmt]:.0f}/s {'met' if rate >= TARGETS[fmt] else 'MISSED'}"
            if fmt == "docx" and base:
                target += f"; <= 5x txt {'met' if seconds / base <= 5 else 'MISSED'}"
            if fmt == "pdf":
                pages = pdf_pages(work / f"out-{fmt}")
                target = f"{pages / seconds:,.0f} pages/s (target >= 100)"
            print(f"{fmt:<7}{seconds:>8.2f}s{rate:>11,.0f}{ratio}  {target}")


if __name__ == "__main__":
    main()
