"""``actkit chase``: letters with no reply yet, reminders, and the follow-up letter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from actkit.cli._common import (
    CampaignOption,
    info,
    plural,
    print_json,
    reports_errors,
    write_result,
)
from actkit.cli.log import parse_day, record_letter

if TYPE_CHECKING:
    from datetime import date

    from actkit.letters import Sender
    from actkit.logbook import Logbook, LoggedLetter

TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="DATE",
        help="Treat this date (YYYY-MM-DD) as today, for reproducible runs.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("chase")(chase)


@reports_errors
def chase(
    letter_id: Annotated[
        str | None,
        typer.Argument(metavar="ID", help="Write the follow-up to this letter, e.g. L3."),
    ] = None,
    after: Annotated[
        int, typer.Option("--after", min=1, metavar="N", help="Working days to wait for a reply.")
    ] = 15,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the letters as `actkit log --json` does.")
    ] = False,
    today: TodayOption = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            metavar="FILE",
            dir_okay=False,
            help="Write a calendar reminder for every sent letter without a reply.",
        ),
    ] = None,
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template for the follow-up.")
    ] = "follow-up",
    name: Annotated[
        str | None, typer.Option(help="Your name. [default: the first letter's]")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Your address. [default: the first letter's, else saved]")
    ] = None,
    postcode: Annotated[
        str | None, typer.Option(help="Your postcode. [default: the first letter's, else saved]")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Your email. [default: the first letter's, else saved]")
    ] = None,
    personal: Annotated[str | None, typer.Option(help="Your own paragraph.")] = None,
    personal_file: Annotated[
        Path | None, typer.Option(help="Read your paragraph from a file.", dir_okay=False)
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="txt, md, html, eml or docx. [default: the first's]"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="Write here. [default: beside the first letter, NAME-follow-up.EXT]",
        ),
    ] = None,
    letter_date: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="DATE", help="The follow-up's date. [default: --today, else today]"
        ),
    ] = None,
    campaign: CampaignOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output.")] = False,
) -> None:
    """List sent letters with no reply after N working days, oldest first.

    With an ID, write the follow-up to that letter (the bundled `follow-up` template names
    the first letter's date and subject), log it and link the two. Working days skip
    weekends and the bank holidays of the sender's nation.
    """
    from actkit.logbook import open_logbook

    now = parse_day(today, "--today")
    if letter_id is not None and (ics is not None or as_json):
        raise typer.BadParameter("--ics and --json list letters: give them without an ID")
    with open_logbook() as book:
        if letter_id is not None:
            options = {
                "template": template,
                "name": name,
                "address": address,
                "postcode": postcode,
                "email": email,
                "personal": personal,
                "personal_file": personal_file,
                "fmt": fmt,
                "output": output,
                "date": parse_day(letter_date, "--date", default=now),
                "campaign": campaign,
                "force": force,
            }
            _write_follow_up(book, letter_id, options)
            return
        if ics is not None:
            _write_ics(book, ics, after=after, today=now, force=force)
        due = book.chase_list(today=now, after=after)
    if as_json:
        print_json([letter.to_json() for letter, _ in due])
        return
    _print_due(due, after=after, today=now)


def _print_due(due: list[tuple[LoggedLetter, date]], *, after: int, today: date) -> None:
    from actkit.text import format_date

    if not due:
        info(f"Nothing to chase: no sent letter has waited {after} working days for a reply.")
        return
    info(f"{plural(len(due), 'letter')} with no reply after {after} working days:")
    for letter, when in due:
        sent = letter.sent
        how = f" by {sent.via}" if sent and sent.via else ""
        typer.echo(
            f"{letter.label}  sent {format_date(sent.on) if sent else '?'}{how} to "
            f"{letter.recipient.name} ({letter.recipient.constituency}): {letter.subject}"
        )
        waited = (today - when).days
        typer.echo(
            f"    due {format_date(when)}{f', {waited} days ago' if waited else ', today'}: "
            f"`actkit chase {letter.label}` writes the follow-up; "
            f"`actkit replied {letter.label}` if they answered."
        )


def _write_ics(book: Logbook, path: Path, *, after: int, today: date, force: bool) -> None:
    from actkit.chasing import chase_ics
    from actkit.fileio import atomic_write

    waiting = book.letters(status="sent")
    atomic_write(path, chase_ics(waiting, after=after, today=today), force=force)
    info(f"Wrote {path}: {plural(len(waiting), 'reminder')}.")


def _write_follow_up(book: Logbook, letter_id: str, options: dict[str, Any]) -> None:
    from actkit.chasing import check_can_chase, follow_up_path, previous_context, recipient_mp
    from actkit.cli._sender import ask_for_personal_words, max_fact_age_days, personal_words
    from actkit.facts import load_facts
    from actkit.fileio import refuse_existing
    from actkit.formats.letters import infer_format, render
    from actkit.letters import LetterRenderer
    from actkit.logbook import parse_letter_id
    from actkit.templates import campaign_dir, load_template

    original = book.get(parse_letter_id(letter_id))
    check_can_chase(original)
    output: Path | None = options["output"] or follow_up_path(original, options["fmt"])
    # --format, else the --output file's extension, else the first letter's format.
    fmt = options["fmt"] or (None if options["output"] else original.format)
    chosen = infer_format(fmt, output.name if output else None)
    if chosen == "docx" and output is None:
        raise typer.BadParameter(
            "docx is a binary file: give --output LETTER.docx", param_hint="--format"
        )
    refuse_existing(output, force=options["force"])
    campaign = campaign_dir(options["campaign"])
    renderer = LetterRenderer(
        load_template(options["template"], campaign),
        load_facts(campaign),
        max_fact_age_days=max_fact_age_days(None, None),
    ).with_variables(**previous_context(original))
    mp, constituency = recipient_mp(original.recipient)
    words = personal_words(options["personal"], options["personal_file"])
    if words is None:  # on a terminal: asked for once the template has been read
        words = ask_for_personal_words()
    letter = renderer.render(
        mp=mp,
        constituency=constituency,
        sender=_sender(original, options),
        personal=words,
        letter_date=options["date"],
        role=original.recipient.role,
        body_id=original.recipient.body,
    )
    content = render(letter, chosen)
    write_result(content, output, force=options["force"])
    follow_up = record_letter(
        letter,
        fmt=chosen,
        content=content,
        output=output,
        campaign=campaign,
        no_log=False,
        follows=original.id,
    )
    if follow_up is not None:
        info(f"{original.label} is now marked chased by L{follow_up}.")


def _sender(original: LoggedLetter, options: dict[str, Any]) -> Sender:
    """--name and friends, else the first letter's sender, else the saved config."""
    from actkit import config
    from actkit.cli._sender import sender_from

    first = original.sender or {"name": original.sender_name}
    address = first.get("address")
    saved = {
        **config.load(),
        **{key: value for key, value in first.items() if value and key != "address"},
    }
    if address:
        saved["address"] = ", ".join(address)
    return sender_from(
        saved,
        name=options["name"],
        address=options["address"],
        postcode=options["postcode"],
        email=options["email"],
    )
