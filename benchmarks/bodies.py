"""Benchmark ``actkit letter batch --to all-msps`` against local stand-ins for every service.

    python benchmarks/bodies.py                      # 1,000 Scottish supporters, 20 ms latency
    python benchmarks/bodies.py --rows 300 --latency 0.05
    python benchmarks/bodies.py --workdir /dev/shm   # without the disk's swings

Prints wall time, letters/s and HTTP requests by endpoint for a cold-cache run and a
warm-cache run (run as a subprocess, exactly as a user would). What to look for: each
Scottish Parliament collection requested once per run whatever the rows; one Scottish-area
request per distinct postcode (postcodes.io has no bulk Scottish route), none when warm.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the tests' stand-ins, shared with the test suite

from tests.fakes_bodies import (  # noqa: E402
    GLASGOW_REGION,
    GLASGOW_SEAT,
    scottish_collections,
    scottish_postcode,
)
from tests.standin import StandIn  # noqa: E402

from actkit import offline  # noqa: E402


def serve(latency: float, counts: Counter[str]) -> ThreadingHTTPServer:
    standin = StandIn()
    collections = scottish_collections()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            time.sleep(latency)
            status, payload, endpoint = 200, None, path
            if path.startswith("/scotland/postcodes/"):
                endpoint = "/scotland/postcodes/{pc}"
                payload = scottish_postcode(path.rsplit("/", 1)[1], GLASGOW_SEAT, GLASGOW_REGION)
            elif path.startswith("/api/") and path[5:] in collections:
                payload = collections[path[5:]]
            else:
                status, payload = standin.answer(self.command, path, query, body)
                endpoint = "postcodes.io / Members API"
            with lock:
                counts[endpoint] += 1
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


def make_supporters(path: Path, rows: int) -> int:
    """N supporters at distinct real Scottish postcodes (as far as the table goes)."""
    scottish = [pc for pc, gss in offline.run_starts() if gss and gss.startswith("S")]
    postcodes = [scottish[i % len(scottish)] for i in range(rows)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Address", "Postcode"])
        for i, postcode in enumerate(postcodes, start=1):
            writer.writerow([f"Supporter {i}", f"{i} Example Street", postcode])
    return len(set(postcodes))


def run_batch(
    label: str, csv_path: Path, out: Path, env: dict[str, str], counts: Counter[str]
) -> None:
    counts.clear()
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "actkit",
            "letter",
            "batch",
            str(csv_path),
            "-t",
            "blank",
            "--out",
            str(out),
            "--to",
            "all-msps",
            "--date",
            "2026-12-01",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        print(completed.stderr, file=sys.stderr)
    letters = sum(1 for _ in out.glob("*.txt"))
    print(f"{label}: {letters:,} letters in {seconds:.2f} s ({letters / seconds:,.0f} letters/s)")
    for endpoint, count in sorted(counts.items()):
        print(f"  {count:>6,}  {endpoint}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--workdir", type=Path, default=None, help="Where to write the letters.")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    server = serve(args.latency, counts)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(dir=args.workdir) as work:
        folder = Path(work)
        distinct = make_supporters(folder / "supporters.csv", args.rows)
        latency = f"latency {args.latency * 1000:.0f} ms"
        print(f"{args.rows:,} supporters, {distinct:,} distinct postcodes, {latency}")
        env = {**os.environ, "ACTKIT_HOME": str(folder / "home")}
        for variable in ("POSTCODES", "MEMBERS", "SCOTTISH_PARLIAMENT", "SENEDD", "NI_ASSEMBLY"):
            env[f"ACTKIT_{variable}_API"] = url
        run_batch("cold cache", folder / "supporters.csv", folder / "cold", env, counts)
        run_batch("warm cache", folder / "supporters.csv", folder / "warm", env, counts)
    server.shutdown()


if __name__ == "__main__":
    main()
