"""Benchmark offline lookups: table loading, per-lookup cost and ``actkit lookup --offline``.

    python benchmarks/offline_lookup.py            # 10 paired runs
    python benchmarks/offline_lookup.py --runs 20

Prints:
- the time to load the offline tables in a fresh process (median of cold processes), with
  the old JSON range table's parse time from ``data/`` for comparison;
- the cost of one offline lookup in a warm process (existence check + constituency, and
  the library's whole ``find_mp``);
- ``actkit lookup NR21AB --offline`` wall time against a two-command hello-world Typer app
  and against bare ``python -c "import typer"``, all in this virtualenv: medians of paired
  runs (each round runs all three, so machine noise hits each alike), and their ratios;
- the heavy modules each of those lookups imports (none should be needed offline);
- for a live lookup, the cost of importing the HTTP stack and whether requests-cache pulled
  in serializer libraries actkit never uses (YAML, TOML, BSON, JSON variants).
Target (issue 13): tables in a few milliseconds; ``lookup --offline`` within 1.5x of the
hello-world app.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACTKIT = Path(sys.executable).with_name("actkit")
HEAVY = ("requests", "requests_cache", "urllib3", "yaml", "jinja2", "docx", "icalendar")

HELLO_WORLD = """
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    typer.echo(f"Hello {name}")


@app.command()
def goodbye(name: str) -> None:
    typer.echo(f"Goodbye {name}")


if __name__ == "__main__":
    app()
"""

LOAD_TABLES = """
import time
started = time.perf_counter()
from actkit import offline
imported = time.perf_counter()
offline._postcode_list()
listed = time.perf_counter()
offline._range_table()
ranged = time.perf_counter()
offline.constituencies(); offline.mp_for("E14001409"); offline.seat_change_warnings("E14001409")
done = time.perf_counter()
print(imported - started, listed - imported, ranged - listed, done - ranged)
"""

OLD_JSON_PARSE = """
import json, time
from pathlib import Path
started = time.perf_counter()
raw = json.loads(Path({folder!r}, "pcon_2024.json").read_text())
lookup = json.loads(Path({folder!r}, "pcon_2024_lookup.json").read_text())
keys, total = [], 0
for delta in raw["postcode_keys"]:
    total += delta
    keys.append(total)
decoded = list(raw["value_key"][:2])
for value in raw["value_key"][2:]:
    decoded.append(decoded[-2] if value == 0 else value)
print(time.perf_counter() - started)
"""

IMPORTS_OF_LOOKUP = """
import sys
sys.argv = ["actkit", "lookup", "NR21AB", "--offline"]
from actkit.cli import main
try:
    main()
except SystemExit:
    pass
print("HEAVY:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


LIVE_IMPORTS = """
import sys, time
started = time.perf_counter()
from actkit.http import HttpClient
from actkit.representatives import find_mp
elapsed = time.perf_counter() - started
unused = ("yaml", "tomlkit", "bson", "ujson", "orjson")
print(elapsed, ",".join(m for m in unused if m in sys.modules) or "none")
"""


def python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {completed.stderr.decode()}")
    return elapsed


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def table_loading(runs: int) -> None:
    samples = [tuple(map(float, python(LOAD_TABLES).split())) for _ in range(runs)]
    imported, listed, ranged, rest = (
        statistics.median(column) for column in zip(*samples, strict=True)
    )
    print(f"Offline tables, cold process (median of {runs}):")
    print(f"  import actkit.offline (+stdlib){ms(imported)}")
    print(f"  postcode list (2023, mmap)     {ms(listed)}")
    print(f"  range table (binary, mmap)     {ms(ranged)}")
    print(f"  seats, one MP, seat changes    {ms(rest)}")
    print(f"  all tables                     {ms(listed + ranged + rest)}")
    if (ROOT / "data" / "pcon_2024.json").exists():
        old = statistics.median(
            float(python(OLD_JSON_PARSE.format(folder=str(ROOT / "data")))) for _ in range(runs)
        )
        print(f"  before: range table from JSON  {ms(old)}")


def per_lookup(count: int) -> None:
    from actkit import offline
    from actkit.representatives import find_mp

    postcodes = [postcode for postcode, _ in offline.run_starts()][:count]
    started = time.perf_counter()
    for postcode in postcodes:
        if offline.postcode_exists(postcode):
            offline.gss_for_postcode(postcode)
    tables = (time.perf_counter() - started) / len(postcodes)
    started = time.perf_counter()
    for postcode in postcodes:
        find_mp(postcode, offline=True)
    whole = (time.perf_counter() - started) / len(postcodes)
    print(f"Per lookup, warm process ({len(postcodes):,} real postcodes):")
    print(f"  existence + constituency       {tables * 1e6:8.2f} µs")
    print(f"  find_mp(offline=True)          {whole * 1e6:8.2f} µs")


def startup(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO_WORLD, encoding="utf-8")
        commands = {
            "actkit lookup NR21AB --offline": [str(ACTKIT), "lookup", "NR21AB", "--offline"],
            "hello-world Typer app (2 cmds)": [sys.executable, str(hello), "hello", "you"],
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
        }
        for command in commands.values():  # warm the page cache and .pyc files
            wall(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                times[name].append(wall(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    lookup, hello_world, bare = medians.values()
    print(f"Start-up, wall time (median of {runs} paired runs):")
    for name, value in medians.items():
        print(f"  {name:<31}{ms(value)}")
    print(f"  ratio to the hello-world app   {lookup / hello_world:8.2f}x  (target 1.5x)")
    print(f"  ratio to bare import typer     {lookup / bare:8.2f}x")
    heavy = python(IMPORTS_OF_LOOKUP.format(heavy=HEAVY)).rsplit("HEAVY:", 1)[1].strip()
    print(f"  heavy modules imported         {heavy or 'none'}")


def live_imports(runs: int) -> None:
    samples = [python(LIVE_IMPORTS).split() for _ in range(runs)]
    elapsed = statistics.median(float(sample[0]) for sample in samples)
    print(f"Live lookup (HTTP stack), cold process (median of {runs}):")
    print(f"  import actkit.http + reps      {ms(elapsed)}")
    print(f"  unused serializer libraries    {samples[0][1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--lookups", type=int, default=5000)
    options = parser.parse_args()
    print(json.dumps({"python": sys.version.split()[0], "actkit": str(ACTKIT)}))
    table_loading(options.runs)
    per_lookup(options.lookups)
    startup(options.runs)
    live_imports(options.runs)


if __name__ == "__main__":
    main()
