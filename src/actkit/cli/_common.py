"""Shared CLI plumbing: the error funnel, warnings, and writing results.

Every command is wrapped in ``reports_errors`` so that an expected failure (an
``ActkitError``) ends in one line on stderr and its exit code, inside the command itself,
where ``typer.testing.CliRunner`` exercises it. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from actkit.errors import ActkitError, ExitCode, InvalidInput

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 valid input but no answer (or a batch with failed rows); "
    "2 invalid input or usage; 3 services unreachable and no offline answer; "
    "130 interrupted."
)


class _Process:
    """Set by ``main()``: true only when actkit is the program, not a test's CliRunner."""

    standalone = False


STOP_GRACE_SECONDS = 1.0
"""After an interrupt, how long the program may take to tidy up (close the manifest)
before it stops regardless: a worker thread stuck on a hanging service must not keep it."""


def stop_now(message: str = "Stopped.") -> NoReturn:
    """End the program at once (a second Ctrl-C), whatever other threads are doing.

    Files are written atomically, so stopping mid-write leaves no partial file (a resumed
    batch sweeps up the temporary ones).
    """
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        if message:
            sys.stderr.write(f"{message}\n")
        sys.stderr.flush()
    os._exit(int(ExitCode.INTERRUPTED))


def stop_soon() -> None:
    """Let the main thread unwind for ``STOP_GRACE_SECONDS``, then ``stop_now``."""
    if _Process.standalone:
        timer = threading.Timer(STOP_GRACE_SECONDS, stop_now)
        timer.daemon = True
        timer.start()


@contextlib.contextmanager
def _second_interrupt_stops_at_once() -> Iterator[None]:
    """Ctrl-C interrupts the command (exit 130); a second one stops the program at once,
    even while a thread waits on a service that does not answer."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupted = threading.Event()

    def handler(_signal: int, _frame: Any) -> None:
        if interrupted.is_set():
            stop_now()
        interrupted.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGINT, previous)


def _refuse_undecodable(name: str, value: Any) -> None:
    """Bytes that are not UTF-8 in an argument reach Python as lone surrogates: refuse
    them here, for every command, before they reach a file or a terminal."""
    if isinstance(value, (list, tuple)):
        for item in value:
            _refuse_undecodable(name, item)
        return
    text = os.fspath(value) if isinstance(value, Path) else value
    if isinstance(text, str) and any("\ud800" <= c <= "\udfff" for c in text):
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise InvalidInput(
            f"{name.replace('_', '-')}: '{shown}' holds bytes that are not UTF-8 text; "
            "retype it, or set your terminal to UTF-8"
        )


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn ``ActkitError`` into ``Error: ...`` on stderr and its documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with _second_interrupt_stops_at_once():
                for name, value in [*enumerate(args), *kwargs.items()]:
                    _refuse_undecodable(str(name), value)
                return command(*args, **kwargs)
        except ActkitError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(int(error.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            stop_soon()
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except OSError as error:
            # The file system said no: permissions, a full disk, a folder where a file
            # should be. The user can fix those; they are not bugs.
            where = f"{error.filename}: " if error.filename else ""
            typer.echo(f"Error: {where}{error.strerror or error}", err=True)
            raise typer.Exit(int(ExitCode.INVALID_INPUT)) from None

    return wrapper


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 row", "2 rows", "1,204 letters"."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def warn(message: str) -> None:
    typer.echo(f"Warning: {message}", err=True)


def warn_all(messages: Iterable[str]) -> None:
    for message in messages:
        warn(message)


def info(message: str) -> None:
    typer.echo(message, err=True)


def print_json(data: Any) -> None:
    """Stable JSON on stdout: two-space indent, keys in the order the library gives them."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def write_result(content: str | bytes, output: Path | None, *, force: bool) -> None:
    """Send a result to stdout, or atomically to ``output`` (kept unless ``force``)."""
    if output is None:
        if isinstance(content, bytes):
            typer.echo(content, nl=False)
        else:
            typer.echo(content, nl=not content.endswith("\n"))
        return
    from actkit.fileio import atomic_write

    atomic_write(output, content, force=force)
    info(f"Wrote {output}")


# --- Representatives beyond the MP (issue 10): options shared by lookup and letter ----------

TO_HELP = (
    "Who to write to: mp, msp (your constituency MSP), regional-msps, all-msps, "
    "ms (your 6 Members of the Senedd), mla (your 5 MLAs) or all. Several recipients "
    "give one letter each."
)
ToOption = Annotated[str, typer.Option("--to", metavar="WHO", help=TO_HELP)]


def check_to(value: str) -> str:
    from actkit.bodies.registry import RECIPIENTS

    if value not in RECIPIENTS:
        raise typer.BadParameter(
            f"{value!r} is not one of {', '.join(RECIPIENTS)}", param_hint="--to"
        )
    return value


# --- Options shared by several commands: each declared once ------------------------------

OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Use only the embedded offline data; send nothing.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")]
CampaignOption = Annotated[
    Path | None,
    typer.Option(
        "--campaign",
        envvar="ACTKIT_CAMPAIGN",
        file_okay=False,
        help="Campaign folder with letter_templates/ and facts/ (see `actkit init`).",
    ),
]
MaxFactAgeOption = Annotated[
    int | None,
    typer.Option(
        "--max-fact-age",
        min=1,
        max=36_500,
        metavar="DAYS",
        help="Warn about facts older than this. [default: config max_fact_age_days, else 730]",
    ),
]
LetterDateOption = Annotated[
    str | None, typer.Option("--date", help="The letter's date, YYYY-MM-DD. [default: today]")
]
# The sender's details, for `letter write` and `letter send`.
PostcodeOption = Annotated[
    str | None, typer.Option(help="Your postcode: the letter goes to its MP. [default: saved]")
]
NameOption = Annotated[
    str | None, typer.Option(help="Your name. [default: saved with `actkit config`]")
]
AddressOption = Annotated[
    str | None, typer.Option(help='Your address, "LINE1, LINE2, TOWN". [default: saved]')
]
PersonalOption = Annotated[
    str | None, typer.Option(help="Your own paragraph: why this matters to you.")
]
PersonalFileOption = Annotated[
    Path | None,
    typer.Option(help="Read your paragraph from a file ('-' for stdin).", dir_okay=False),
]
# Filters of the letter log, for `actkit log` and `actkit report`.
CampaignNameOption = Annotated[
    str | None, typer.Option("--campaign", metavar="NAME", help="Only this campaign's letters.")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", metavar="DATE", help="Only letters written on or after YYYY-MM-DD."),
]
