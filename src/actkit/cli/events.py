"""``actkit event``: plan a picket, march, vigil, rally, public meeting or street stall.

Thin on purpose: parse options, call ``actkit.events.plan_event``, render with
``actkit.formats.events`` and write. Library modules are imported inside the commands so
``actkit --help`` never loads YAML, Jinja2 or iCalendar.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from actkit.cli._common import reports_errors, warn_all, write_result

if TYPE_CHECKING:
    from actkit.formats.events import Format

event_app = typer.Typer(
    help=(
        "Plan a picket, march, vigil, rally, public meeting or street stall: the legal "
        "notice and its deadline, a dated timeline, roles, kit and notes."
    ),
    no_args_is_help=True,
)


class OutputFormat(str, Enum):
    """Formats ``event plan`` can write (kept in step with actkit.formats.events.FORMATS)."""

    md = "md"
    html = "html"
    json = "json"
    ics = "ics"
    csv = "csv"
    pdf = "pdf"


def register(app: typer.Typer) -> None:
    """Add the ``event`` commands to the root app."""
    app.add_typer(
        event_app,
        name="event",
        help="Plan a picket, march, vigil, rally, public meeting or street stall.",
    )


@event_app.command("plan")
@reports_errors
def plan(
    date: Annotated[str, typer.Option("--date", help="Event date, YYYY-MM-DD.")],
    venue: Annotated[
        str, typer.Option("--venue", help='Where it happens, e.g. "Trafalgar Square, London".')
    ],
    kind: Annotated[
        str | None,
        typer.Argument(
            metavar="KIND",
            help="picket, march, vigil, rally, public-meeting or street-stall "
            "(optional with --checklist).",
            show_default=False,
        ),
    ] = None,
    time: Annotated[
        str | None, typer.Option("--time", help="Start time, 24-hour HH:MM (UK local time).")
    ] = None,
    end_time: Annotated[
        str | None,
        typer.Option("--end-time", help="End time, HH:MM; without it, 2 hours are assumed."),
    ] = None,
    venue_postcode: Annotated[
        str | None,
        typer.Option(
            "--venue-postcode",
            help="The venue's postcode; looked up to find the nation when --nation is not given.",
        ),
    ] = None,
    nation: Annotated[
        str | None,
        typer.Option(
            "--nation",
            help="Whose law applies: england, wales, scotland or northern-ireland.",
        ),
    ] = None,
    expected: Annotated[
        int, typer.Option("--expected", min=1, help="Expected attendance; roles scale with it.")
    ] = 50,
    organiser: Annotated[
        str | None, typer.Option("--organiser", help="Organiser's name, shown on the plan.")
    ] = None,
    route: Annotated[
        str | None, typer.Option("--route", help="The route of a march, in words.")
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="Output format [default: md, or from the --output file's extension].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write to this file, not stdout."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing --output file.")
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today", help="Treat this date (YYYY-MM-DD) as today, for reproducible plans."
        ),
    ] = None,
    checklist: Annotated[
        Path | None,
        typer.Option(
            "--checklist",
            dir_okay=False,
            help="Use your own checklist (start from `actkit event export KIND`).",
        ),
    ] = None,
) -> None:
    """Make a dated plan for one event: legal notice, timeline, roles, kit and notes.

    The nation decides the law: --nation, or the country of --venue-postcode (a BT
    postcode is Northern Ireland with no lookup). A march needs written notice (England
    and Wales: 6 clear days before; Scotland: 28 days; Northern Ireland: 28 clear days);
    static events need none, and the plan lists the permissions that may apply. Each
    notice shows its legal last day and the last working day to hand it in. Not legal
    advice: check with your local police or council.
    """
    from actkit.errors import InvalidInput, OutputExists
    from actkit.events import KINDS, parse_date, parse_time, plan_event
    from actkit.formats.events import render

    if kind is None and checklist is None:
        raise InvalidInput(f"give a KIND ({', '.join(KINDS)}) or --checklist FILE")
    chosen_format = _output_format(fmt, output)
    if chosen_format == "pdf" and output is None:
        raise InvalidInput("a PDF is a binary file: give --output PLAN.pdf")
    if output is not None and output.exists() and not force:
        # Refuse before any postcode lookup; atomic_write checks again when writing.
        raise OutputExists(f"{output} already exists; use --force to overwrite it")
    event_date = parse_date(date, label="--date")
    start = parse_time(time, label="--time") if time is not None else None
    end = parse_time(end_time, label="--end-time") if end_time is not None else None
    now = parse_date(today, label="--today") if today is not None else None
    chosen_nation, postcode = _nation(nation, venue_postcode)
    result = plan_event(
        kind=kind.strip().lower() if kind is not None else None,
        checklist=checklist,
        date=event_date,
        today=now,
        time=start,
        end_time=end,
        venue=venue,
        nation=chosen_nation,
        venue_postcode=postcode,
        expected=expected,
        organiser=organiser,
        route=route,
    )
    warn_all(result.warnings)
    write_result(render(result, chosen_format), output, force=force)


@event_app.command("kinds")
@reports_errors
def kinds() -> None:
    """List the kinds of event, one a line: name, then a short description."""
    from actkit.events import kind_descriptions

    rows = kind_descriptions()
    width = max(len(kind) for kind, _ in rows) + 2
    for kind, description in rows:
        typer.echo(f"{kind:<{width}}{description}")


@event_app.command("export")
@reports_errors
def export(
    kind: Annotated[
        str,
        typer.Argument(metavar="KIND", help="The kind whose checklist to print, e.g. march."),
    ],
) -> None:
    """Print a kind's YAML checklist, to copy and adapt.

    Save it (actkit event export march > mine.yaml), edit it, then plan with
    actkit event plan --checklist mine.yaml --date ... --venue ...
    """
    from actkit.events import checklist_text

    typer.echo(checklist_text(kind.strip().lower()), nl=False)


def _output_format(fmt: OutputFormat | None, output: Path | None) -> Format:
    """--format if given, else the --output file's extension, else Markdown."""
    from actkit.errors import InvalidInput
    from actkit.formats.events import EXTENSIONS, format_for_suffix

    if fmt is not None:
        return fmt.value
    if output is None:
        return "md"
    inferred = format_for_suffix(output.suffix)
    if inferred is None:
        known = ", ".join(EXTENSIONS)
        raise InvalidInput(
            f"cannot tell the format from {output.name!r}: use --format, or one of {known}"
        )
    return inferred


def _nation(nation: str | None, venue_postcode: str | None) -> tuple[str, str | None]:
    """The nation whose law applies, and the venue postcode to show on the plan."""
    from actkit.errors import InvalidInput
    from actkit.events import NATIONS, nation_from_postcode, normalise_nation

    if nation is not None:
        # An explicit nation wins; the postcode is shown as given, not looked up.
        chosen = normalise_nation(nation)
        if venue_postcode is not None:
            _check_agrees(chosen, venue_postcode)
        return chosen, venue_postcode
    if venue_postcode is not None:
        # Every BT postcode is in Northern Ireland: no lookup, so no network needed.
        known = nation_from_postcode(venue_postcode)
        if known is not None:
            from actkit.postcodes import normalise_postcode  # with the offline tables

            return known, normalise_postcode(venue_postcode)
        return nation_for_postcode(venue_postcode)
    raise InvalidInput(
        f"say whose law applies: give --nation ({', '.join(NATIONS)}) or --venue-postcode"
    )


def _check_agrees(nation: str, venue_postcode: str) -> None:
    """Refuse --nation and --venue-postcode that contradict each other on Northern Ireland.

    Every BT postcode, and no other, is in Northern Ireland, so this needs no lookup; a
    plan under the wrong nation's law would look right and be wrong.
    """
    from actkit.errors import InvalidInput, InvalidPostcode
    from actkit.events import nation_from_postcode

    try:
        in_northern_ireland = nation_from_postcode(venue_postcode) == "northern-ireland"
    except InvalidPostcode:
        return  # not a postcode actkit can read: shown as given, as before
    if in_northern_ireland != (nation == "northern-ireland"):
        where = "in" if in_northern_ireland else "not in"
        raise InvalidInput(
            f"--venue-postcode {venue_postcode.strip()} is {where} Northern Ireland, but "
            f"--nation is {nation}: correct one of them, or leave out --nation"
        )


def nation_for_postcode(postcode: str) -> tuple[str, str]:
    """Look up a venue postcode's country (live, with offline fallback) -> (nation, postcode).

    Tests replace this function, so the event commands never need the network.
    """
    from actkit import nations
    from actkit.errors import InvalidInput
    from actkit.representatives import locate_postcode

    place = locate_postcode(postcode)
    warn_all(place.warnings)
    nation = nations.by_name(place.country)
    if nation is None:
        raise InvalidInput(
            f"{place.postcode} is in the {place.country}: actkit plans events in the four UK "
            "nations only (England, Wales, Scotland and Northern Ireland)"
        )
    return nation.id, place.postcode
