"""Shared CLI plumbing: the error funnel, warnings, and writing results.

Every command is wrapped in ``reports_errors`` so that an expected failure (an
``ActkitError``) ends in one line on stderr and its exit code, inside the command itself,
where ``typer.testing.CliRunner`` exercises it. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from actkit.errors import ActkitError, ExitCode

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 valid input but no answer (or a batch with failed rows); "
    "2 invalid input or usage; 3 services unreachable and no offline answer; "
    "130 interrupted."
)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn ``ActkitError`` into ``Error: ...`` on stderr and its documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ActkitError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(int(error.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
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
