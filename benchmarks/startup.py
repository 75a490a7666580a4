"""Start-up time of every actkit command that needs no network, against bare Typer.

    python benchmarks/startup.py                 # 10 paired runs per command
    python benchmarks/startup.py --runs 20 --only lookup

Run it with the Python of an installed, non-editable environment (``pip install .``) for
figures that match a user's (the wheel ships the built-in YAML already parsed; a checkout
parses it at run time); it uses ``sys.executable`` for every process.

For each command it runs, in alternation so that the machine's drift hits all equally:
``python -c "import typer"`` (bare), a two-command hello-world Typer app (hello), and the
actkit command. It prints the medians, the ratios to both, and for each the issue 13
targets: within 1.5x of the hello app (``letter write --offline`` to .txt: 2x), and the
moonshot, within 1.5x of bare ``import typer``. For a command that misses the moonshot it
then measures why: what it imports beyond ``import typer`` (``-X importtime``, by package)
and how much of its time is not importing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HELLO_APP = """
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    typer.echo(f"hello {name}")


@app.command()
def goodbye(name: str = "world") -> None:
    typer.echo(f"goodbye {name}")


app()
"""

MOONSHOT = 1.5
"""Within this many times bare ``python -c "import typer"``."""

SENDER = ["--name", "Alex Example", "--address", "1 High Street, Norwich"]
LETTER = ["letter", "write", "--postcode", "NR21AB", "--offline", *SENDER]
LETTER += ["--personal", "Please act.", "--date", "2026-12-02"]
PLAN = ["event", "plan", "vigil", "--date", "2027-03-01", "--nation", "england"]
PLAN += ["--venue", "Market Square", "--today", "2027-01-04"]

# (label, arguments, target ratio against the hello app); {out} is a scratch folder.
COMMANDS: list[tuple[str, list[str], float]] = [
    ("--version", ["--version"], 1.5),
    ("--help", ["--help"], 1.5),
    ("lookup --help", ["lookup", "--help"], 1.5),
    ("letter --help", ["letter", "--help"], 1.5),
    ("letter write --help", ["letter", "write", "--help"], 1.5),
    ("templates --help", ["templates", "--help"], 1.5),
    ("facts --help", ["facts", "--help"], 1.5),
    ("event --help", ["event", "--help"], 1.5),
    ("event plan --help", ["event", "plan", "--help"], 1.5),
    ("config --help", ["config", "--help"], 1.5),
    ("data --help", ["data", "--help"], 1.5),
    ("log --help", ["log", "--help"], 1.5),
    ("chase --help", ["chase", "--help"], 1.5),
    ("lookup --offline", ["lookup", "NR21AB", "--offline"], 1.5),
    ("event kinds", ["event", "kinds"], 1.5),
    ("event plan", PLAN, 1.5),
    ("templates list", ["templates", "list"], 1.5),
    ("facts list", ["facts", "list"], 1.5),
    ("config show", ["config", "show"], 1.5),
    ("data info", ["data", "info"], 1.5),
    ("log", ["log"], 1.5),
    ("chase", ["chase", "--today", "2027-02-01"], 1.5),
    ("letter write --offline", [*LETTER, "-t", "blank"], 2.0),
    (
        "letter write cited .txt",
        [*LETTER, "-t", "syria-civilians", "--output", "{out}/letter.txt", "--force"],
        2.0,
    ),
]

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)$")


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    completed = subprocess.run(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start, completed.returncode


def _actkit_argv(args: list[str], out: str) -> list[str]:
    args = [arg.replace("{out}", out) for arg in args]
    return [sys.executable, "-c", "from actkit.cli import main; main()", *args]


def _imports_by_package(argv: list[str], env: dict[str, str]) -> Counter[str]:
    """Microseconds each top-level package takes to import (its own modules' self time)."""
    completed = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    by_package: Counter[str] = Counter()
    for line in completed.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            by_package[match.group(3).split(".")[0]] += int(match.group(1))
    return by_package


def _why(
    label: str, argv: list[str], bare: list[str], env: dict[str, str], t: float, b: float
) -> str:
    """What a command imports beyond bare Typer, against the moonshot's budget."""
    runs = 3
    extra: Counter[str] = Counter()
    for _ in range(runs):
        extra.update(_imports_by_package(argv, env))
        extra.subtract(_imports_by_package(bare, env))
    total = {name: us / runs / 1000 for name, us in extra.items() if us > 0}
    top = sorted(total.items(), key=lambda item: -item[1])[:6]
    imported = sum(total.values())
    shown = ", ".join(f"{name} {ms:.0f}" for name, ms in top)
    return (
        f"  {label}: {t * 1000:.0f} ms against a budget of {MOONSHOT * b * 1000:.0f} ms; "
        f"it imports {imported:.0f} ms beyond `import typer` (by package: {shown} ms, as "
        "-X importtime counts), the rest is its own work"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", help="run only commands whose label contains this")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        hello = Path(home) / "hello.py"
        hello.write_text(HELLO_APP)
        out = Path(home) / "out"
        out.mkdir()
        env = {**os.environ, "ACTKIT_HOME": home, "NO_COLOR": "1"}
        env.pop("ACTKIT_CAMPAIGN", None)
        bare_argv = [sys.executable, "-c", "import typer"]
        hello_argv = [sys.executable, str(hello), "hello"]
        for argv in (bare_argv, hello_argv):  # warm the file cache and bytecode
            _time(argv, env)

        print(f"python {sys.version.split()[0]} at {sys.executable}; {options.runs} paired runs")
        print(
            f"{'command':<25}{'median':>8}{'bare':>8}{'hello':>8}{'x hello':>9}"
            f"{'target':>8}{'':>8}{'x bare':>8}{'moonshot':>10}  exit"
        )
        missed: list[str] = []
        moonshot_missed: list[tuple[str, list[str], float, float]] = []
        for label, args, target in COMMANDS:
            if options.only and options.only not in label:
                continue
            argv = _actkit_argv(args, str(out))
            _time(argv, env)  # warm
            bare, hello_times, times = [], [], []
            codes = set()
            for _ in range(options.runs):
                bare.append(_time(bare_argv, env)[0])
                hello_times.append(_time(hello_argv, env)[0])
                elapsed, code = _time(argv, env)
                times.append(elapsed)
                codes.add(code)
            b, h, t = (statistics.median(x) for x in (bare, hello_times, times))
            met = t / h <= target and codes == {0}
            moonshot_met = t / b <= MOONSHOT and codes == {0}
            if not met:
                missed.append(label)
            if not moonshot_met:
                moonshot_missed.append((label, argv, t, b))
            print(
                f"{label:<25}{t * 1000:>6.0f}ms{b * 1000:>6.0f}ms{h * 1000:>6.0f}ms"
                f"{t / h:>8.2f}x{target:>7.1f}x{'met' if met else 'MISSED':>8}"
                f"{t / b:>7.2f}x{'met' if moonshot_met else 'MISSED':>10}"
                f"  {','.join(map(str, sorted(codes)))}"
            )
        print(
            f"target (hello app x1.5, letter write x2): {len(missed)} missed"
            + (f": {', '.join(missed)}" if missed else "")
        )
        print(
            f"moonshot (bare import typer x{MOONSHOT}): {len(moonshot_missed)} missed"
            + (":" if moonshot_missed else "")
        )
        for label, argv, t, b in moonshot_missed:
            print(_why(label, argv, bare_argv, env, t, b))


if __name__ == "__main__":
    main()
