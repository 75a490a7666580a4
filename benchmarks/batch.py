"""Benchmark ``actkit letter batch`` against a local stand-in for both web services.

    python benchmarks/batch.py                  # 10,000 rows at 20 ms latency, then 100,000
    python benchmarks/batch.py --rows 2000 --latency 0.05 --big-rows 0
    python benchmarks/batch.py --workdir /dev/shm --big-rows 0   # without the disk's swings
    python benchmarks/batch.py --render-only    # render-and-write only (on /dev/shm)
    python benchmarks/batch.py --render-only --render-dir /tmp   # ... on the disk

Prints rows/s, wall time, HTTP requests by endpoint and peak RSS for a cold-cache run and
a warm-cache run (run as a subprocess, exactly as a user would), then times the
render-and-write phase against a bare Jinja2 render-and-write loop over the same rows.
Targets (issues 4 and 13): 10,000 rows in under 10 s at 20 ms; requests <= ceil(N/100) + 2 x
distinct constituencies; warm cache sends no postcode or MP requests; 100,000 rows in under
60 s at 20 ms with peak RSS under 200 MB and no folder over 1,000 letters (the batch shards
its output); render-and-write for .txt and .md at least 70% of the bare loop's rate
(moonshot 80%), as a batch runs by default (one process per core), with the one-process
figure beside it.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.standin, the shared stand-in service

from tests.standin import StandIn  # noqa: E402

from actkit import offline  # noqa: E402


def serve(standin: StandIn, latency: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else delayed ACKs add 40 ms to every answer

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            time.sleep(latency)
            status, payload = standin.answer(self.command, path, query, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_supporters(path: Path, rows: int) -> tuple[int, int]:
    """N supporters over real postcodes, round-robin across constituencies; 1 in 10 personal."""
    by_seat: dict[str, list[str]] = {}
    for postcode, gss in offline.run_starts():
        by_seat.setdefault(gss, []).append(postcode)
    seats = sorted(by_seat)
    postcodes, distinct_seats = [], set()
    for i in range(rows):
        seat = seats[i % len(seats)]
        pool = by_seat[seat]
        postcodes.append(pool[(i // len(seats)) % len(pool)])
        distinct_seats.add(seat)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Address", "Postcode", "Email", "Personal"])
        for i, postcode in enumerate(postcodes, start=1):
            personal = (
                f"I have lived here for {i % 40 + 1} years and this matters to me."
                if i % 10 == 0
                else ""
            )
            writer.writerow(
                [
                    f"Supporter {i}",
                    f"{i} Example Street, Sometown",
                    postcode,
                    f"supporter{i}@example.org",
                    personal,
                ]
            )
    return len(set(postcodes)), len(distinct_seats)


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Run actkit as a user would; return (wall seconds, exit code, peak RSS in KiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "actkit", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        print(process.stderr.read().decode() if process.stderr else "", file=sys.stderr)
    return elapsed, process.returncode, usage.ru_maxrss


def timed_batch(
    label: str,
    csv_path: Path,
    out: Path,
    home: Path,
    standin: StandIn,
    url: str,
    rows: int,
    fmt: str,
) -> dict[str, int]:
    env = {
        **os.environ,
        "ACTKIT_HOME": str(home),
        "ACTKIT_POSTCODES_API": url,
        "ACTKIT_MEMBERS_API": url,
    }
    standin.counts.clear()
    seconds, code, rss = run_cli(
        [
            "letter",
            "batch",
            str(csv_path),
            "--template",
            "syria-civilians",
            "--out",
            str(out),
            "--format",
            fmt,
            "--date",
            "2026-11-25",
        ],
        env,
    )
    counts = dict(standin.counts)
    print(
        f"{label}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s; "
        f"exit {code}; peak RSS {rss / 1024:.0f} MB; largest folder {largest_folder(out):,} "
        "entries"
    )
    print(f"  requests: {sum(counts.values())} " + json.dumps(dict(sorted(counts.items()))))
    if label == BIG_RUN:
        print(
            f"  targets (issue 13): under 60 s at 20 ms: {'met' if seconds < 60 else 'MISSED'}; "
            f"peak RSS under 200 MB: {'met' if rss / 1024 < 200 else 'MISSED'}; "
            f"no folder over 1,000 letters: "
            f"{'met' if largest_folder(out) <= 1000 + 3 else 'MISSED'}"
        )
    return counts


BIG_RUN = "big run (time, peak RSS, folder sizes)"


def largest_folder(out: Path) -> int:
    """Entries in the fullest folder of a batch's output (letters are sharded above 1,000)."""
    folders = [out, *(p for p in out.iterdir() if p.is_dir())] if out.is_dir() else []
    return max((sum(1 for _ in folder.iterdir()) for folder in folders), default=0)


RENDER_TARGET, RENDER_MOONSHOT = 0.70, 0.80


def compare_renders(csv_path: Path, render_dir: str | None, fmt: str) -> None:
    """``render_ceiling`` in a folder of its own under ``render_dir``."""
    with tempfile.TemporaryDirectory(prefix="actkit-render-", dir=render_dir) as folder:
        print(f"render-and-write runs in {Path(folder).parent} ({_file_system(Path(folder))})")
        render_ceiling(csv_path, Path(folder), fmt)


def render_ceiling(csv_path: Path, workdir: Path, fmt: str, trials: int = 7) -> None:
    """actkit's render-and-write phase vs a bare Jinja2 render-and-write loop, same rows.

    The runs alternate, each after an ``os.sync()``, and the ratio is the median of each
    trial's ratio (paired runs): this disk's speed swings several-fold as dirty pages are
    flushed, and a shared machine's load drifts, so a single run of each measures the disk
    and the neighbours as much as the code.
    """
    ours, alone, bare = [], [], []
    in_memory = _file_system(workdir) == "tmpfs"
    for trial in range(trials):
        for rates, measure in (
            (ours, lambda out: _actkit_render_rate(csv_path, out, fmt)),
            (alone, lambda out: _actkit_render_rate(csv_path, out, fmt, jobs=1)),
            (bare, lambda out: _bare_render_rate(csv_path, out)),
        ):
            out = workdir / f"render-{fmt}-{trial}-{len(rates)}-{id(rates)}"
            os.sync()
            rates.append(measure(out))
            if in_memory:  # each run starts from the same empty memory-backed folder
                shutil.rmtree(out)
            # On a disk, folders are kept to the end: deleting 10,000 files between runs
            # would have a disk mounted with `discard` trim them during the next run.
    ours_rate, bare_rate = statistics.median(ours), statistics.median(bare)
    ratio = statistics.median(o / b for o, b in zip(ours, bare, strict=True))
    verdict = "MISSED" if ratio < RENDER_TARGET else "met"
    moonshot = "met" if ratio >= RENDER_MOONSHOT else "missed"
    print(
        f"render-and-write .{fmt} (medians of {trials} paired runs): actkit {ours_rate:,.0f} "
        f"rows/s vs bare Jinja2 loop {bare_rate:,.0f} rows/s: {ratio:.0%} of the ceiling "
        f"(target >= {RENDER_TARGET:.0%}: {verdict}; moonshot {RENDER_MOONSHOT:.0%}: {moonshot})"
    )
    alone_ratio = statistics.median(a / b for a, b in zip(alone, bare, strict=True))
    print(
        f"  one process (--jobs 1): {statistics.median(alone):,.0f} rows/s, "
        f"{alone_ratio:.0%}; trials, rows/s: actkit "
        + ", ".join(f"{r:,.0f}" for r in ours)
        + "; one process "
        + ", ".join(f"{r:,.0f}" for r in alone)
        + "; bare "
        + ", ".join(f"{r:,.0f}" for r in bare)
    )


def _file_system(path: Path) -> str:
    """The type of the file system ``path`` is on ("tmpfs", "ext4"), from /proc/mounts."""
    mounts = Path("/proc/mounts")
    if not mounts.exists():
        return ""
    best, kind = "", ""
    resolved = str(path.resolve())
    for line in mounts.read_text().splitlines():
        _, point, fs_type, *_ = line.split()
        if (resolved == point or resolved.startswith(point.rstrip("/") + "/")) and len(
            point
        ) >= len(best):
            best, kind = point, fs_type
    return kind


def _actkit_render_rate(csv_path: Path, out: Path, fmt: str, jobs: int | None = None) -> float:
    """The batch's own render-and-write phase (pass 2), offline so no lookups are timed, in
    a fresh process each time, as a user's run is (nothing warmed by an earlier run)."""
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "from benchmarks.batch import render_rate_here; "
        "print(render_rate_here(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], "
        "int(sys.argv[5]) or None))"
    )
    command = [sys.executable, "-c", script, str(ROOT), str(csv_path), str(out), fmt]
    done = subprocess.run([*command, str(jobs or 0)], capture_output=True, text=True, check=True)
    return float(done.stdout)


def render_rate_here(csv_path: Path, out: Path, fmt: str, jobs: int | None) -> float:
    """``_actkit_render_rate`` in this process."""
    from actkit.batch import BatchOptions, prepare

    options = BatchOptions(
        template="syria-civilians",
        out_dir=out,
        fmt=fmt,  # type: ignore[arg-type]
        letter_date=date(2026, 11, 25),
        offline=True,
        jobs=jobs,
    )
    report = prepare(csv_path, options).run()
    return report.written / report.seconds["write"]


def _bare_render_rate(csv_path: Path, out: Path) -> float:
    """The ceiling: plain Jinja2, the same template body and rows, one plain write each."""
    import jinja2

    from actkit.templates import load_template

    body = load_template("syria-civilians", None).body
    template = jinja2.Environment(keep_trailing_newline=True).from_string(body)
    out.mkdir()
    started = time.perf_counter()
    rows = 0
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for rows, row in enumerate(csv.DictReader(handle), start=1):
            text = template.render(
                mp={"address_as": "Clive Lewis", "constituency": "Norwich South"},
                sender={"name": row["Name"]},
                personal=row["Personal"],
                cite=lambda _fact_id: "[1]",
                fact=str,
            )
            (out / f"{rows:06d}.txt").write_text(text, encoding="utf-8")
    return rows / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds per request")
    parser.add_argument(
        "--big-rows", type=int, default=100_000, help="rows for the RSS run (0 skips)"
    )
    parser.add_argument("--format", default="txt")
    parser.add_argument(
        "--workdir",
        default=None,
        help="where the letters are written, e.g. /dev/shm to time the CPU without the disk",
    )
    parser.add_argument(
        "--render-only", action="store_true", help="only the render-and-write comparison"
    )
    parser.add_argument(
        "--render-dir",
        default="/dev/shm" if Path("/dev/shm").is_dir() else None,
        help="where the render-and-write comparison writes [default: /dev/shm, the disk out "
        "of the way: this machine's disk swings several-fold from run to run]",
    )
    options = parser.parse_args()

    standin = StandIn()
    server = serve(standin, options.latency)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(
        f"Stand-in for postcodes.io and the Members API at {url}, "
        f"{options.latency * 1000:.0f} ms a request"
    )
    with tempfile.TemporaryDirectory(prefix="actkit-bench-", dir=options.workdir) as tmp:
        work = Path(tmp)
        csv_path = work / "supporters.csv"
        postcodes, seats = make_supporters(csv_path, options.rows)
        print(
            f"{options.rows:,} supporters, {postcodes:,} distinct postcodes, {seats} constituencies"
        )
        if options.render_only:
            for fmt in ("txt", "md") if options.format in ("txt", "md") else (options.format,):
                compare_renders(csv_path, options.render_dir, fmt)
            server.shutdown()
            return
        cold = timed_batch(
            "cold cache",
            csv_path,
            work / "out1",
            work / "home",
            standin,
            url,
            options.rows,
            options.format,
        )
        bound = math.ceil(options.rows / 100) + 2 * seats
        print(
            f"  bound ceil(N/100) + 2 x constituencies = {bound}: "
            f"{'within' if sum(cold.values()) <= bound else 'OVER'}"
        )
        warm = timed_batch(
            "warm cache",
            csv_path,
            work / "out2",
            work / "home",
            standin,
            url,
            options.rows,
            options.format,
        )
        print(f"  warm-cache lookups sent: {sum(warm.values())} (target 0)")
        for fmt in ("txt", "md") if options.format in ("txt", "md") else (options.format,):
            compare_renders(csv_path, options.render_dir, fmt)
        if options.big_rows:
            big = work / "big.csv"
            make_supporters(big, options.big_rows)
            timed_batch(
                BIG_RUN,
                big,
                work / "out3",
                work / "home3",
                standin,
                url,
                options.big_rows,
                options.format,
            )
    server.shutdown()


if __name__ == "__main__":
    main()
