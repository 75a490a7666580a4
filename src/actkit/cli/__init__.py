"""The ``actkit`` command line: parses options, calls the library, renders the result.

Start-up is kept short, because people run actkit dozens of times at a stall or in a
script: the command tree is lazy (``_lazy``), so only the command that runs is imported
and built, and command modules import library modules inside the commands, so help never
loads HTTP, templating or document libraries.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

# Help and usage errors on a terminal are drawn by Rich, in colour. Piped or captured (a
# script, CI, a pager), Click's plain layout carries the same text without the tens of
# milliseconds Rich takes to import. An explicit TYPER_USE_RICH still wins. Typer reads it
# when it is first imported, hence before the import below.
if not sys.stdout.isatty():
    os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # after the Rich choice above

from actkit import __version__
from actkit.cli._common import EXIT_CODES_HELP
from actkit.cli._lazy import LazyCommand, LazyGroup

COMMANDS: dict[str, LazyCommand] = {
    "lookup": LazyCommand(
        "actkit.cli.lookup",
        "Find the MP for a postcode: name, party, constituency, email, phone and address.",
    ),
    "cache": LazyCommand("actkit.cli.lookup", "Inspect or clear the cache of web service answers."),
    "data": LazyCommand(
        "actkit.cli.lookup", "The embedded offline data: what it is, its date and licences."
    ),
    "letter": LazyCommand(
        "actkit.cli.letters", "Write letters to MPs, MSPs, MSs and MLAs, singly or in a batch."
    ),
    "templates": LazyCommand(
        "actkit.cli.letters", "Letter templates: the built-ins and your campaign's."
    ),
    "facts": LazyCommand("actkit.cli.letters", "Cited facts that templates can use."),
    "init": LazyCommand(
        "actkit.cli.letters",
        "Create a campaign folder with an example template and facts file that render as they are.",
    ),
    "event": LazyCommand(
        "actkit.cli.events",
        "Plan a picket, march, vigil, rally, public meeting or street stall.",
    ),
    "log": LazyCommand(
        "actkit.cli.log",
        "The letters you have written, what was sent and what was answered (kept locally).",
    ),
    "sent": LazyCommand("actkit.cli.log", "Mark a letter (or a batch's rows) as sent."),
    "replied": LazyCommand(
        "actkit.cli.log",
        "Record an answer to a letter (a chased letter can still be marked replied).",
    ),
    "chase": LazyCommand(
        "actkit.cli.chase", "List sent letters with no reply after N working days, oldest first."
    ),
    "report": LazyCommand(
        "actkit.cli.report",
        "Draw where the letters went: a hex map of the 650 constituencies.",
    ),
    "config": LazyCommand(
        "actkit.cli.settings",
        "Save your name, address, postcode and email for `letter write` (never for batches).",
    ),
    "serve": LazyCommand(
        "actkit.cli.serve",
        "Serve a letter-writing page for a street stall or a meeting, on this machine.",
    ),
    "supporters": LazyCommand(
        "actkit.cli.serve",
        "The supporters list that `actkit serve` keeps for visitors who consent.",
    ),
}
"""Every top-level command: the module that registers it and its line in ``--help``.

To add a command, give its CLI module a ``register(app)`` that adds it to ``app`` (as the
modules above do) and add an entry here; tests/test_startup.py checks that the two agree.
"""


class _Root(LazyGroup):
    entries = COMMANDS


app = typer.Typer(
    cls=_Root,
    name="actkit",
    help=(
        "Advocacy action toolkit: find your MP by postcode, write them a letter with every "
        "fact cited, turn a spreadsheet of supporters into one draft each, and plan a "
        "lawful picket, march, vigil, rally, meeting or stall."
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    rich_markup_mode="markdown",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"actkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_show_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Advocacy action toolkit."""


def main() -> None:
    from actkit.cli._common import _Process, stop_now
    from actkit.errors import ExitCode

    # As the program (not under a test's CliRunner), an interrupt may end the process
    # even while worker threads wait on a service that does not answer.
    _Process.standalone = True
    try:
        app(prog_name="actkit")
    except SystemExit as finished:
        if finished.code == ExitCode.INTERRUPTED:
            # Interrupted: do not wait for worker threads stuck on a service at exit.
            stop_now(message="")
        raise
