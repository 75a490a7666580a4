"""Start-up time of every actkit command that needs no network, against bare Typer.

    python benchmarks/startup.py                 # 10 paired runs per command
    python benchmarks/startup.py --runs 20 --only lookup

Run it with the Python of an installed, non-editable environment (``pip install .``) for
figures that match a user's; it uses ``sys.executable`` for every process.

For each command it runs, in alternation so that the machine's drift hits all equally:
``python -c "import typer"`` (bare), a two-command hello-world Typer app (hello), and the
actkit command. It prints the medians and the ratios to both. Targets (issue 13): every
command within 1.5x of the hello app, ``letter write --offline`` to .txt within 2x;
moonshot: within 1.5x of bare ``import typer``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
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

# (label, arguments, target ratio against the hello app)
COMMANDS: list[tuple[str, list[str], float]] = [
    ("--version", ["--version"], 1.5),
    ("--help", ["--help"], 1.5),
    ("lookup --help", ["lookup", "--help"], 1.5),
    ("letter --help", ["letter", "--help"], 1.5),
    ("letter write --help", ["letter", "write", "--help"], 1.5),
    ("event --help", ["event", "--help"], 1.5),
    ("event plan --help", ["event", "plan", "--help"], 1.5),
    ("lookup --offline", ["lookup", "NR21AB", "--offline"], 1.5),
    ("event kinds", ["event", "kinds"], 1.5),
    (
        "event plan",
        [
            "event",
            "plan",
            "vigil",
            "--date",
            "2027-03-01",
            "--nation",
            "england",
            "--venue",
            "Market Square",
            "--today",
            "2027-01-04",
        ],
        1.5,
    ),
    ("templates list", ["templates", "list"], 1.5),
    ("facts list", ["facts", "list"], 1.5),
    ("config show", ["config", "show"], 1.5),
    ("data info", ["data", "info"], 1.5),
    ("log", ["log"], 1.5),
    ("chase", ["chase", "--today", "2027-02-01"], 1.5),
    (
        "letter write --offline",
        [
            "letter",
            "write",
            "-t",
            "blank",
            "--postcode",
            "NR21AB",
            "--offline",
            "--name",
            "Alex Example",
            "--address",
            "1 High Street, Norwich",
            "--personal",
            "Please act.",
            "--date",
            "2026-12-02",
        ],
        2.0,
    ),
]


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


def _actkit_argv(args: list[str]) -> list[str]:
    return [sys.executable, "-c", "from actkit.cli import main; main()", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", help="run only commands whose label contains this")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        hello = Path(home) / "hello.py"
        hello.write_text(HELLO_APP)
        env = {**os.environ, "ACTKIT_HOME": home, "NO_COLOR": "1", "ACTKIT_CAMPAIGN": ""}
        env.pop("ACTKIT_CAMPAIGN")
        bare_argv = [sys.executable, "-c", "import typer"]
        hello_argv = [sys.executable, str(hello), "hello"]
        for argv in (bare_argv, hello_argv):  # warm the file cache and bytecode
            _time(argv, env)

        print(f"python {sys.version.split()[0]} at {sys.executable}; {options.runs} paired runs")
        print(
            f"{'command':<26}{'median':>9}{'bare':>9}{'hello':>9}{'x bare':>8}{'x hello':>9}"
            f"{'target':>8}  exit"
        )
        failures = 0
        for label, args, target in COMMANDS:
            if options.only and options.only not in label:
                continue
            argv = _actkit_argv(args)
            _time(argv, env)  # warm
            bare, hello_times, times = [], [], []
            code = 0
            for _ in range(options.runs):
                bare.append(_time(bare_argv, env)[0])
                hello_times.append(_time(hello_argv, env)[0])
                elapsed, code = _time(argv, env)
                times.append(elapsed)
            b, h, t = (statistics.median(x) for x in (bare, hello_times, times))
            met = t / h <= target
            failures += not met
            print(
                f"{label:<26}{t * 1000:>7.0f}ms{b * 1000:>7.0f}ms{h * 1000:>7.0f}ms"
                f"{t / b:>7.2f}x{t / h:>8.2f}x{target:>7.1f}x  {code}{'' if met else '  MISSED'}"
            )
        print(f"{failures} command(s) missed their target")


if __name__ == "__main__":
    main()
