"""``actkit log``, ``actkit sent`` and ``actkit replied``: the local letter log.

Also the hooks ``letter write`` and ``letter batch`` call to record what they wrote
(``record_letter`` and ``record_batch``): a letter on disk is never undone because the log
could not be written; the user is told instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from actkit.cli._common import (
    CampaignNameOption,
    SinceOption,
    info,
    plural,
    print_json,
    reports_errors,
    warn,
    write_result,
)
from actkit.cli._sender import stdin_is_terminal

if TYPE_CHECKING:
    from actkit.batch import BatchOptions, BatchReport
    from actkit.letters import Letter
    from actkit.logbook import LoggedLetter
    from actkit.templates import LetterTemplate

log_app = typer.Typer(
    help=(
        "The letters you have written, what was sent and what was answered (kept locally).\n\n"
        "With no command, list them, oldest first; the options filter the list."
    ),
    invoke_without_command=True,
)


class Via(str, Enum):
    email = "email"
    post = "post"
    hand = "hand"


class Status(str, Enum):
    drafted = "drafted"
    sent = "sent"
    replied = "replied"
    chased = "chased"


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


NoLogOption = Annotated[
    bool, typer.Option("--no-log", help="Do not record this in the letter log (`actkit log`).")
]
OnOption = Annotated[
    str | None,
    typer.Option("--on", metavar="DATE", help="The day it happened, YYYY-MM-DD. [default: today]"),
]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="Letter id, e.g. L3.")]


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")
    app.command("sent")(sent)
    app.command("replied")(replied)


def parse_day(value: str | None, flag: str, *, default: date | None = None) -> date:
    """A YYYY-MM-DD option; any date, past or future."""
    if value is None:
        return default or date.today()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date like 2027-01-05", param_hint=flag
        ) from None


# --- listing ------------------------------------------------------------------------------


@log_app.callback()
@reports_errors
def log_list(
    ctx: typer.Context,
    status: Annotated[
        Status | None, typer.Option("--status", help="Only letters with this status.")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="NAME", help="Only letters to this person or constituency."),
    ] = None,
    campaign: CampaignNameOption = None,
    since: SinceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List logged letters, oldest first: id, status, date, recipient and subject."""
    if ctx.invoked_subcommand is not None:
        return
    from actkit.logbook import open_logbook

    with open_logbook() as book:
        letters = book.letters(
            status=status.value if status else None,
            to=to,
            campaign=campaign,
            since=parse_day(since, "--since") if since else None,
        )
    if as_json:
        print_json([letter.to_json() for letter in letters])
        return
    if not letters:
        info("No letters logged yet." if not (status or to or campaign or since) else "No match.")
        return
    for letter in letters:
        typer.echo(letter_line(letter))


def letter_line(letter: LoggedLetter) -> str:
    to = f"{letter.recipient.name} ({letter.recipient.constituency})"
    return f"{letter.label:<6} {letter.status:<8} {letter.date.isoformat()}  {to}: {letter.subject}"


@log_app.command("show")
@reports_errors
def log_show(
    letter_id: IdArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything the log keeps about one letter."""
    from actkit.logbook import open_logbook, parse_letter_id

    with open_logbook() as book:
        letter = book.get(parse_letter_id(letter_id))
    if as_json:
        print_json(letter.to_record())
        return
    for label, value in _details(letter):
        if value:
            typer.echo(f"{label + ':':<14}{value}")


def _details(letter: LoggedLetter) -> list[tuple[str, Any]]:
    from actkit.text import format_date

    to = letter.recipient
    sent = letter.sent
    replied = letter.replied
    return [
        ("id", letter.label),
        ("status", letter.status),
        ("written", letter.written.isoformat()),
        ("date", format_date(letter.date)),
        ("subject", letter.subject),
        ("template", letter.template),
        ("campaign", letter.campaign),
        ("to", f"{to.name}{f' ({to.party})' if to.party else ''}"),
        ("constituency", f"{to.constituency} ({to.gss_code}, {to.body})"),
        ("from", letter.sender_name),
        ("format", letter.format),
        ("file", letter.file),
        ("batch", f"{letter.batch}, row {letter.batch_row}" if letter.batch else None),
        (
            "sent",
            f"{format_date(sent.on)}{f' by {sent.via}' if sent.via else ''}" if sent else None,
        ),
        ("replied", format_date(replied.on) if replied else None),
        ("summary", replied.summary if replied else None),
        ("reply file", replied.file if replied else None),
        ("chased by", f"L{letter.chased_by}" if letter.chased_by else None),
        ("follows", f"L{letter.follows}" if letter.follows else None),
        ("digest", f"sha256:{letter.digest}"),
    ]


@log_app.command("path")
@reports_errors
def log_path() -> None:
    """Print where the log is kept."""
    from actkit.paths import log_file

    typer.echo(str(log_file()))


@log_app.command("export")
@reports_errors
def log_export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv or json.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", dir_okay=False, help="Write to this file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output.")] = False,
) -> None:
    """Export every logged letter, for your own records."""
    import json

    from actkit.logbook import open_logbook

    with open_logbook() as book:
        records = [letter.to_record() for letter in book.letters()]
    if fmt is ExportFormat.json:
        content = json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    else:
        content = _csv(records)
    write_result(content, output, force=force)


def _csv(records: list[dict[str, Any]]) -> str:
    import csv
    import io

    from actkit.text import neutralise_formula

    def flat(record: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, dict):
                row.update({f"{key}_{inner}": v for inner, v in value.items()})
            else:
                row[key] = value
        return row

    rows = [flat(record) for record in records]
    columns = list(dict.fromkeys(key for row in rows for key in row)) or ["id"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    for row in rows:
        # Stop a spreadsheet running a cell as a formula.
        writer.writerow(
            {k: neutralise_formula(v) if isinstance(v, str) else v for k, v in row.items()}
        )
    return buffer.getvalue()


@log_app.command("forget")
@reports_errors
def log_forget(
    letter_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="The letter to delete, e.g. L3.")
    ] = None,
    before: Annotated[
        str | None,
        typer.Option("--before", metavar="DATE", help="Delete letters written before YYYY-MM-DD."),
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Delete every letter.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete letters from the log for good (the database's free pages too: VACUUM)."""
    from actkit.errors import InvalidInput
    from actkit.logbook import open_logbook, parse_letter_id

    chosen = [letter_id is not None, before is not None, everything]
    if sum(chosen) != 1:
        raise InvalidInput("say what to forget: an ID, --before DATE or --all (one of them)")
    cutoff = parse_day(before, "--before") if before else None
    ids = [parse_letter_id(letter_id)] if letter_id else []
    what = (
        "every letter in the log"
        if everything
        else f"letters written before {cutoff}"
        if cutoff
        else f"letter L{ids[0]}"
    )
    _confirm(f"Delete {what}? This cannot be undone.", yes=yes)
    with open_logbook() as book:
        deleted = book.forget(ids=ids, before=cutoff, everything=everything)
    info(f"Deleted {plural(deleted, 'letter')} from the log.")


def _confirm(question: str, *, yes: bool) -> None:
    from actkit.errors import InvalidInput

    if yes:
        return
    if not stdin_is_terminal():
        raise InvalidInput("not a terminal, so nothing was deleted: add --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


# --- status ---------------------------------------------------------------------------------


@reports_errors
def sent(
    letter_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="The letter you sent, e.g. L3.")
    ] = None,
    on: OnOption = None,
    via: Annotated[Via | None, typer.Option("--via", help="How: email, post or hand.")] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", metavar="DIR", file_okay=False, help="A batch folder."),
    ] = None,
    rows: Annotated[
        Path | None,
        typer.Option(
            "--rows",
            metavar="FILE.csv",
            dir_okay=False,
            help="With --batch: a CSV listing the manifest rows sent (a 'row' column, or the "
            "first column of numbers).",
        ),
    ] = None,
) -> None:
    """Mark a letter (or a batch's rows) as sent."""
    from actkit.errors import InvalidInput
    from actkit.logbook import open_logbook, parse_letter_id

    day = parse_day(on, "--on")
    how = via.value if via else None
    if (letter_id is None) == (batch is None) or (batch is None) != (rows is None):
        raise InvalidInput("give a letter ID, or --batch DIR with --rows FILE.csv")
    with open_logbook() as book:
        if letter_id is not None:
            letter = book.mark_sent(parse_letter_id(letter_id), on=day, via=how)
            info(f"{letter.label} marked sent on {day.isoformat()}{f' by {how}' if how else ''}.")
            return
        assert batch is not None and rows is not None  # checked above
        marked, missing = book.mark_batch_sent(batch, read_row_numbers(rows), on=day, via=how)
    info(f"Marked {plural(marked, 'letter')} sent on {day.isoformat()}.")
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
        warn(f"{plural(len(missing), 'row')} not in the log for {batch}: {shown}")


def read_row_numbers(path: Path) -> list[int]:
    """Row numbers from a CSV: its ``row`` column, else its first column of whole numbers."""
    import csv

    from actkit.errors import InvalidInput
    from actkit.fileio import read_text

    table = [row for row in csv.reader(read_text(path, "rows file").splitlines()) if row]
    if not table:
        raise InvalidInput(f"{path}: the file is empty")
    header = [cell.strip().lower() for cell in table[0]]
    if "row" in header:
        column = header.index("row")
        cells = [row[column] for row in table[1:] if len(row) > column]
    else:
        body = table[1:] if not all(c.strip().isdigit() for c in table[0] if c.strip()) else table
        found = next(
            (i for i in range(len(table[0])) if any(_number(r, i) is not None for r in body)),
            None,
        )
        if found is None:
            raise InvalidInput(f"{path}: no 'row' column and no column of row numbers")
        cells = [row[found] for row in body if len(row) > found]
    numbers = [n for n in (_number_text(cell) for cell in cells) if n is not None]
    if not numbers:
        raise InvalidInput(f"{path}: no row numbers found")
    return numbers


def _number(row: list[str], index: int) -> int | None:
    return _number_text(row[index]) if len(row) > index else None


def _number_text(cell: str) -> int | None:
    text = cell.strip().lstrip("'")
    return int(text) if text.isdigit() else None


@reports_errors
def replied(
    letter_id: IdArgument,
    on: OnOption = None,
    summary: Annotated[
        str | None, typer.Option("--summary", help="A line on what they said.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", exists=True, dir_okay=False, help="The reply, kept where it is."),
    ] = None,
) -> None:
    """Record an answer to a letter (a chased letter can still be marked replied)."""
    from actkit.logbook import open_logbook, parse_letter_id
    from actkit.text import one_line

    day = parse_day(on, "--on")
    with open_logbook() as book:
        letter = book.mark_replied(
            parse_letter_id(letter_id),
            on=day,
            summary=one_line(summary) if summary else None,
            file=str(file.resolve()) if file else None,
        )
    info(f"{letter.label} marked replied on {day.isoformat()}.")


# --- hooks for letter write and letter batch -----------------------------------------------


def logging_on(no_log: bool) -> bool:
    """False with --no-log or after `actkit config set log off`."""
    if no_log:
        return False
    from actkit.logbook import enabled

    return enabled()


def record_letters(
    written: Sequence[tuple[Letter, str | bytes, Path | None]],
    fmt: str,
    campaign: Path | None,
    *,
    no_log: bool,
) -> None:
    """Log letters just written (letter, content, file); say their ids."""
    if not logging_on(no_log):
        return
    if len(written) == 1:
        letter, content, output = written[0]
        record_letter(
            letter, fmt=fmt, content=content, output=output, campaign=campaign, no_log=no_log
        )
        return
    import sqlite3

    from actkit.errors import ActkitError
    from actkit.logbook import label, new_letter, open_logbook

    records = [
        new_letter(letter, fmt=fmt, content=content, file=output, campaign=campaign)
        for letter, content, output in written
    ]
    try:
        with open_logbook() as book:
            ids = [book.add(record) for record in records]
    except (ActkitError, sqlite3.Error) as error:
        warn(f"the letters were written but not logged: {error}")
        return
    info(f"Logged as {', '.join(map(label, ids))}: `actkit sent ID` once you send each.")


def record_letter(
    letter: Letter,
    *,
    fmt: str,
    content: str | bytes,
    output: Path | None,
    campaign: Path | None,
    no_log: bool,
    follows: int | None = None,
) -> int | None:
    """Log a letter just written; say its id. Returns the id (None when not logged)."""
    if not logging_on(no_log):
        return None
    import sqlite3

    from actkit.errors import ActkitError
    from actkit.logbook import label, new_letter, open_logbook

    record = new_letter(letter, fmt=fmt, content=content, file=output, campaign=campaign)
    try:
        with open_logbook() as book:
            letter_id = book.add(record, follows=follows)
    except (ActkitError, sqlite3.Error) as error:
        warn(f"the letter was written but not logged: {error}")
        return None
    info(f"Logged as {label(letter_id)}: `actkit sent {label(letter_id)}` once you send it.")
    return letter_id


def record_batch(
    options: BatchOptions, report: BatchReport, template: LetterTemplate, *, no_log: bool
) -> None:
    """Log a batch and its written letters (each manifest row once, however often resumed)."""
    if not logging_on(no_log):
        return
    import sqlite3

    from actkit.errors import ActkitError
    from actkit.logbook import BatchRecord, batch_letters, campaign_name, open_logbook

    subject = template.subject if "{" not in template.subject else template.title
    batch = BatchRecord(
        folder=options.out_dir,
        template=options.template,
        campaign=campaign_name(options.campaign),
        rows=report.rows,
        written=report.written + report.already_done,
        failed=report.failed_rows,
        skipped=report.skipped_rows,
    )
    letters = batch_letters(
        options.out_dir,
        letter_date=options.letter_date,
        template=options.template,
        subject=subject,
        fmt=options.fmt,
        campaign=options.campaign,
    )
    try:
        with open_logbook() as book:
            added = book.record_batch(batch, letters, restart=options.force)
    except (ActkitError, sqlite3.Error) as error:
        warn(f"the batch was written but not logged: {error}")
        return
    info(f"Logged {plural(added, 'letter')} from this run (`actkit log`).")
