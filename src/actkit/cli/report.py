"""``actkit report``: the campaign map, from the letter log or a batch folder."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from actkit.cli._common import (
    CampaignNameOption,
    SinceOption,
    info,
    plural,
    reports_errors,
    write_result,
)
from actkit.cli.log import parse_day

if TYPE_CHECKING:
    from actkit.report import CampaignReport, Format


class ReportFormat(str, Enum):
    html = "html"
    svg = "svg"
    csv = "csv"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("report")(report)


@reports_errors
def report(
    campaign: CampaignNameOption = None,
    since: SinceOption = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            metavar="DIR",
            file_okay=False,
            exists=True,
            help="Map a batch folder's manifest instead of the log (no log needed).",
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="html (the page), svg (the map alone), csv or json (the numbers). "
            "[default: from --output, else html]",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout."),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option("--today", metavar="DATE", help="Treat this date (YYYY-MM-DD) as today."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output.")] = False,
) -> None:
    """Draw where the letters went: a hex map of the 650 constituencies.

    Each seat is shaded by the letters sent to its MP, with replies marked; then counts by
    nation and party, the seats with no letter yet and the slowest repliers. The HTML page
    loads nothing from anywhere.
    """
    from actkit.fileio import refuse_existing
    from actkit.report import build_report, letters_from_batch, letters_from_log, render

    chosen = _format(fmt, output)
    refuse_existing(output, force=force)
    now = parse_day(today, "--today")
    if batch is not None:
        letters = letters_from_batch(batch)
        title = f"Batch {batch.resolve().name}"
    else:
        from actkit.logbook import open_logbook

        with open_logbook() as book:
            logged = book.letters(
                campaign=campaign, since=parse_day(since, "--since") if since else None
            )
        letters = letters_from_log(logged)
        title = f"Campaign {campaign}" if campaign else "Letters to MPs"
    result = build_report(letters, title=title, today=now)
    write_result(render(result, chosen), output, force=force)
    if output is not None:
        info(f"{plural(result.letters, 'letter')} to {_seats(result)} constituencies on the map.")


def _seats(result: CampaignReport) -> str:
    seats = result.seats
    return f"{sum(1 for seat in seats if seat.letters):,} of {len(seats)}"


def _format(fmt: ReportFormat | None, output: Path | None) -> Format:
    from actkit.errors import InvalidInput
    from actkit.report import FORMATS

    if fmt is not None:
        return fmt.value
    if output is None:
        return "html"
    suffix = output.suffix.lower().lstrip(".")
    for known in FORMATS:
        if suffix == known or (known == "html" and suffix == "htm"):
            return known
    raise InvalidInput(f"cannot tell the format from {output.name!r}: use --format")
