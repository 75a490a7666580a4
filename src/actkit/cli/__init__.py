"""The ``actkit`` command line: parses options, calls the library, renders the result.

Command modules import library modules inside the commands, so ``actkit --help`` and
``actkit --version`` never load HTTP, templating or document libraries.
"""

from __future__ import annotations

from typing import Annotated

import typer

from actkit import __version__
from actkit.cli import chase, events, letters, log, lookup, report, settings
from actkit.cli._common import EXIT_CODES_HELP

app = typer.Typer(
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


for _module in (lookup, letters, events, log, chase, report, settings):
    _module.register(app)


def main() -> None:
    app(prog_name="actkit")
