"""The CLI starts fast: help and version must not load heavy libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = [
    "requests",
    "requests_cache",
    "jinja2",
    "yaml",
    "docx",
    "icalendar",
    "urllib3",
    "platformdirs",
    "sqlite3",
    "holidays",
    "fpdf",
    "fontTools",
    "uharfbuzz",
    "smtplib",
    "flask",
    "waitress",
    "secure",
    "pydantic",  # Typer 0.29 coerces through it; actkit's plain values skip it (cli/_coercion)
    "email.message",
    "importlib.metadata",
]

PLAN = ["vigil", "--date", "2027-03-01", "--nation", "england", "--venue", "Market Square"]
PLAN += ["--today", "2027-01-04"]

LETTER = ["letter", "write", "-t", "blank", "--postcode", "NR21AB", "--offline"]
LETTER += ["--name", "Alex Example", "--address", "1 High Street, Norwich"]
LETTER += ["--personal", "Please act.", "--date", "2026-12-02", "--output", "-"]

PROBE = """
import sys
sys.argv = ["actkit", *{args!r}]
from actkit.cli import main
try:
    main()
except SystemExit:
    pass
loaded = sorted(m for m in {heavy!r} if m in sys.modules)
print("LOADED:" + ",".join(loaded), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["lookup", "--help"],
        ["letter", "--help"],
        ["letter", "write", "--help"],
        ["templates", "--help"],
        ["facts", "--help"],
        ["event", "--help"],
        ["event", "plan", "--help"],
        ["config", "--help"],
        ["data", "--help"],
        ["log", "--help"],
        ["chase", "--help"],
        ["report", "--help"],
        ["serve", "--help"],
    ],
)
def test_help_and_version_do_not_import_heavy_modules(args: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = completed.stderr.rsplit("LOADED:", 1)[1].strip()
    assert loaded == "", f"actkit {' '.join(args)} imported {loaded}"


def test_version() -> None:
    from actkit import __version__

    completed = subprocess.run(
        [sys.executable, "-m", "actkit", "--version"], capture_output=True, text=True, check=True
    )
    assert completed.stdout == f"actkit {__version__}\n"


def test_help_documents_exit_codes() -> None:
    from tests.helpers import run

    result = run("--help")
    assert "Exit codes" in result.stdout
    assert "3 services unreachable" in " ".join(result.stdout.split())


def test_the_root_help_lines_are_the_commands_own() -> None:
    """The lazy tree lists commands without importing them: its lines must not drift."""
    from actkit.cli import COMMANDS
    from actkit.cli._lazy import _load

    for name, entry in COMMANDS.items():
        command = _load(entry.module, None)[name]
        assert command.get_short_help_str(limit=1000) == entry.help, name


def test_every_registered_command_is_in_the_lazy_table() -> None:
    """A module's ``register`` must not add a command the root cannot find by name."""
    from actkit.cli import COMMANDS
    from actkit.cli._lazy import _load

    for module in {entry.module for entry in COMMANDS.values()}:
        for name in _load(module, None):
            assert COMMANDS.get(name) is not None and COMMANDS[name].module == module, name


@pytest.mark.parametrize(
    ("args", "unwanted"),
    [
        (["lookup", "--help"], "actkit.cli.letters"),
        (["event", "kinds"], "actkit.cli.letters"),
        (["--help"], "actkit.cli.events"),
        (["config", "show"], "actkit.cli.lookup"),
        (["config", "show"], "actkit.offline"),
        (["event", "plan", *PLAN], "actkit.offline"),  # --nation: no postcode tables
        (["event", "plan", *PLAN], "hashlib"),  # only the calendar file needs it
        (["event", "kinds"], "zipfile"),  # importlib.resources' zip reader
        (["facts", "list"], "zipfile"),
        (LETTER, "actkit.bodies.senedd"),  # --to mp: no other body's adapter
        (LETTER, "pydantic"),
    ],
)
def test_only_the_command_that_runs_is_imported(args: list[str], unwanted: str) -> None:
    probe = PROBE.format(args=args, heavy=[unwanted])
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stderr.rsplit("LOADED:", 1)[1].strip() == ""


NETWORK_AND_FORMATS = [
    "requests",
    "requests_cache",
    "urllib3",
    "docx",
    "icalendar",
    "fpdf",
    "uharfbuzz",
    "smtplib",
    "flask",
    "waitress",
    "holidays",
    "pydantic",  # Typer 0.29 coerces through it; actkit's plain values skip it (cli/_coercion)
    "email.message",  # only .eml needs the email package
    "importlib.metadata",
]
"""What no command that works offline, in plain text, should pay to import."""


@pytest.mark.parametrize(
    "args",
    [
        ["lookup", "NR21AB", "--offline"],
        ["event", "kinds"],
        [
            "event", "plan", "vigil", "--date", "2027-03-01", "--nation", "england",
            "--venue", "Market Square", "--today", "2027-01-04",
        ],
        ["templates", "list"],
        ["facts", "list"],
        ["config", "show"],
        ["data", "info"],
        ["log"],
        ["chase", "--today", "2027-02-01"],
        [
            "letter", "write", "-t", "blank", "--postcode", "NR21AB", "--offline",
            "--name", "Alex Example", "--address", "1 High Street, Norwich",
            "--personal", "Please act.", "--date", "2026-12-02",
        ],
    ],
)  # fmt: skip
def test_offline_commands_do_not_import_the_network_or_other_formats(args: list[str]) -> None:
    """The start-up gains of issue 13 stay: each command imports only what it uses."""
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=NETWORK_AND_FORMATS)],
        capture_output=True,
        text=True,
        check=False,
    )
    loaded = completed.stderr.rsplit("LOADED:", 1)[1].strip()
    assert loaded == "", f"actkit {' '.join(args)} imported {loaded}"


# --- Typer's Pydantic adapters, skipped where a value needs no coercion ---------------------

COERCED = [
    ["chase", "--after", "0"],
    ["chase", "--after", "x"],
    ["chase", "--after", "3", "--today", "2027-02-01"],
    ["chase", "--after", " 3", "--today", "2027-02-01"],
    ["event", "plan", "vigil", "--date", "2027-03-01", "--nation", "england", "--venue", "V",
     "--today", "2027-01-04", "--expected", "1e3"],
    ["event", "plan", "vigil", "--date", "2027-03-01", "--nation", "england", "--venue", "V",
     "--today", "2027-01-04", "--expected", "120", "--json"],
    ["letter", "write", "-t", "blank", "--max-fact-age", "0"],
    ["letter", "write", "-t", "blank", "--personal-file", "no-such-file"],
    ["letter", "write", "-t", "blank", "--postcode", "NR21AB", "--offline", "--name", "A",
     "--address", "1 High St, Norwich", "--personal", "x", "--date", "2026-12-02", "--no-log",
     "--max-fact-age", "30", "--output", "-"],
    ["letter", "write", "-t", "blank", "--postcode", "NR21AB", "--offline", "--name", "A",
     "--address", "1 High St, Norwich", "--personal", "x", "--date", "2026-12-02", "--no-log",
     "--output", "{tmp}/out.txt"],
    ["letter", "write", "-t", "blank", "--output", "{tmp}/no/such/folder/"],
    ["letter", "write", "-t", "blank", "--output", "{tmp}", "--postcode", "NR21AB",
     "--offline", "--name", "A", "--address", "1 High St, Norwich", "--personal", "x"],
    ["letter", "write", "-t", "blank", "--output", "{tmp}/a\x00b"],
    ["letter", "write", "-t", "blank", "--personal-file", "{tmp}", "--offline"],
    ["letter", "write", "-t", "blank", "--personal-file", "{tmp}/words.txt", "--offline",
     "--postcode", "NR21AB", "--name", "A", "--address", "1 High St, Norwich", "--no-log"],
    ["letter", "write", "-t", "blank", "--campaign", "{tmp}/words.txt"],
    ["letter", "write", "-t", "blank", "--campaign", "./{tmp}/nowhere/"],
    ["lookup", "--offline"],
    ["lookup", "NR2", "1AB", "--offline", "--json"],
    ["log", "--status", "nope"],
    ["config", "show", "--json"],
]  # fmt: skip


@pytest.mark.parametrize("args", COERCED, ids=" ".join)
def test_the_fast_path_answers_as_typer_does(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Output, errors and exit codes are the same with and without cli/_coercion."""
    from tests.helpers import run

    (tmp_path / "words.txt").write_text("My own words.\n")
    monkeypatch.chdir("/")
    args = [
        arg.replace("{tmp}", str(tmp_path).lstrip("/")).replace("\\x00", "\x00") for arg in args
    ]
    fast = run(*args)
    (tmp_path / "out.txt").unlink(missing_ok=True)
    monkeypatch.setattr("actkit.cli._coercion._FAST_PATH", None)
    typer_own = run(*args)

    assert (fast.exit_code, fast.stdout, fast.stderr) == (
        typer_own.exit_code,
        typer_own.stdout,
        typer_own.stderr,
    )


def test_a_value_that_needs_coercion_still_gets_typer_s() -> None:
    """Text for a number goes to Typer, which converts it and words its range error."""
    from tests.helpers import run

    result = run("chase", "--after", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--after'" in result.stderr


@pytest.mark.slow
def test_the_installed_wheel_answers_built_ins_without_the_yaml_parser(tmp_path: Path) -> None:
    """The wheel ships the shipped YAML parsed (hatch_build.py): no run pays for PyYAML."""
    root = Path(__file__).resolve().parents[1]
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run(
        [*pip, "wheel", str(root), "--no-deps", "--no-build-isolation", "-w", str(wheels)],
        check=True,
    )
    wheel = next(wheels.glob("actkit-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site), "ACTKIT_HOME": str(tmp_path / "home")}
    for args in (
        ["event", "kinds"],
        ["facts", "list"],
        ["templates", "list"],
        [
            "event", "plan", "march", "--date", "2027-03-01", "--nation", "scotland",
            "--venue", "The Mound", "--today", "2027-01-04",
        ],
        [
            "letter", "write", "-t", "syria-civilians", "--postcode", "NR21AB", "--offline",
            "--name", "Alex Example", "--address", "1 High Street, Norwich",
            "--personal", "Please act.", "--date", "2026-12-02",
        ],
    ):  # fmt: skip
        completed = subprocess.run(
            [sys.executable, "-c", PROBE.format(args=args, heavy=["yaml", "pydantic"])],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr.rsplit("LOADED:", 1)[1].strip() == "", args
        # ... and answers exactly as parsing the files does (this checkout, no table).
        from_source = subprocess.run(
            [sys.executable, "-m", "actkit", *args],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(root / "src")},
            capture_output=True,
            text=True,
            check=True,
        )
        assert completed.stdout == from_source.stdout, args


def test_a_group_is_built_whole_for_its_listing_and_suggestions() -> None:
    """``letter write`` builds only ``write``; the group's help and typos see them all."""
    from tests.helpers import run

    listing = run("letter", "--help")
    assert all(f" {name}  " in listing.stdout for name in ("write", "batch", "send"))
    typo = run("letter", "wrte")
    assert typo.exit_code == 2 and "Did you mean 'write'?" in typo.stderr
    assert "actkit letter write [OPTIONS]" in run("letter", "write", "--help").stdout


def test_building_one_subcommand_builds_only_it() -> None:
    from actkit.cli._lazy import _load

    assert list(_load("actkit.cli.letters", None, "letter", "write")["letter"].commands) == [
        "write"
    ]
    assert list(_load("actkit.cli.letters", None, "letter", "--help")["letter"].commands) == [
        "write",
        "batch",
        "send",
    ]
    assert list(_load("actkit.cli.log", None, "log")) == ["log"]
