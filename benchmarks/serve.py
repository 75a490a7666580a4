"""Benchmark ``actkit serve``: how long a visitor waits for each page, over real HTTP.

    python benchmarks/serve.py                 # 40 visitors, one after another, then 4 at once
    python benchmarks/serve.py --visitors 200 --concurrent 8

Starts the stall (waitress, offline data) on 127.0.0.1 with a throw-away ACTKIT_HOME, then
plays visitors through the pages as a browser without JavaScript would: the first page,
the postcode, the preview, the print view and a .docx download. Prints the median and
95th-percentile time per page, and previews per second with visitors in parallel.
Only loopback traffic; nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

VISITOR = {
    "postcode": "NR2 1AB",
    "name": "Alex Example",
    "address": "1 High Street, Norwich",
    "email": "alex@example.org",
    "personal": "I volunteer with refugees at the Norwich drop-in.",
    "template": "syria-civilians",
}
CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


def visit(base: str, timings: dict[str, list[float]]) -> None:
    """One visitor's pages, each timed from request to the last byte."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def timed(page: str, path: str, data: dict[str, str] | None = None) -> bytes:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        with opener.open(base + path, body, timeout=30) as response:
            content: bytes = response.read()
        timings[page].append(time.perf_counter() - started)
        return content

    first = timed("first page", "/?template=syria-civilians")
    token = CSRF.search(first).group(1).decode()  # type: ignore[union-attr]
    form = {"csrf_token": token, **VISITOR}
    timed("postcode → MP", "/write", {"csrf_token": token, "postcode": VISITOR["postcode"]})
    timed("preview", "/letter", form)
    timed("print view", "/print", form)
    timed(".docx download", "/download/docx", form)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=40)
    parser.add_argument("--concurrent", type=int, default=4)
    options = parser.parse_args()

    os.environ["ACTKIT_HOME"] = tempfile.mkdtemp(prefix="actkit-bench-")
    from actkit.web.server import StallServer
    from actkit.web.stall import StallSettings, supporters_list

    supporters = supporters_list()
    settings = StallSettings(offline=True, supporters_file=supporters.path)
    started = time.perf_counter()
    server = StallServer(settings, host="127.0.0.1", port=0, supporters=supporters)
    print(f"start-up (templates checked, app built): {time.perf_counter() - started:.2f} s")
    server.run_in_thread()
    try:
        visit(server.url.rstrip("/"), defaultdict(list))  # warm up imports and caches
        timings: dict[str, list[float]] = defaultdict(list)
        for _ in range(options.visitors):
            visit(server.url.rstrip("/"), timings)
        print(f"{options.visitors} visitors one after another (ms per page):")
        for page, seconds in timings.items():
            ordered = sorted(seconds)
            p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
            print(
                f"  {page:<16} median {statistics.median(seconds) * 1000:6.1f}"
                f"   p95 {p95 * 1000:6.1f}"
            )
        parallel: dict[str, list[float]] = defaultdict(list)
        started = time.perf_counter()
        with ThreadPoolExecutor(options.concurrent) as pool:
            list(
                pool.map(lambda _: visit(server.url.rstrip("/"), parallel), range(options.visitors))
            )
        wall = time.perf_counter() - started
        print(
            f"{options.visitors} visitors, {options.concurrent} at once: {wall:.2f} s, "
            f"{options.visitors / wall:.1f} visitors/s (5 pages each)"
        )
    finally:
        server.close()


if __name__ == "__main__":
    main()
