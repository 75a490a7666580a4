"""``actkit letter``, ``actkit templates``, ``actkit facts`` and ``actkit init``."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from actkit.cli._common import (
    AddressOption,
    CampaignOption,
    JsonOption,
    LetterDateOption,
    MaxFactAgeOption,
    NameOption,
    OfflineOption,
    PersonalFileOption,
    PersonalOption,
    PostcodeOption,
    ToOption,
    check_to,
    info,
    plural,
    print_json,
    reports_errors,
    stop_now,
    stop_soon,
    warn,
    warn_all,
    write_result,
)
from actkit.cli._sender import (
    ask_for_personal_words,
    max_fact_age_days,
    personal_words,
    sender_from,
)
from actkit.cli.log import NoLogOption, record_batch, record_letter, record_letters

if TYPE_CHECKING:
    from collections import Counter

    from actkit.formats.letters import Format
    from actkit.letters import Letter
    from actkit.supporters import ColumnMap

letter_app = typer.Typer(
    help="Write letters to MPs, MSPs, MSs and MLAs, singly or in a batch.", no_args_is_help=True
)
templates_app = typer.Typer(
    help="Letter templates: the built-ins and your campaign's.", no_args_is_help=True
)
facts_app = typer.Typer(help="Cited facts that templates can use.", no_args_is_help=True)

NO_PERSONAL = (
    "no personal paragraph: letters in your own words carry more weight with MPs, who "
    "discount identical letters; add one with --personal or --personal-file"
)


def register(app: typer.Typer) -> None:
    from actkit.cli import sending  # `letter send` (issue 12): its own module

    sending.register(letter_app)
    app.add_typer(letter_app, name="letter")
    app.add_typer(templates_app, name="templates")
    app.add_typer(facts_app, name="facts")
    app.command("init")(init)


def _parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-25") from None


@letter_app.command("write")
@reports_errors
def letter_write(
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template name (`actkit templates list`).")
    ],
    postcode: PostcodeOption = None,
    name: NameOption = None,
    address: AddressOption = None,
    email: Annotated[
        str | None, typer.Option(help="Your email address (needed for .eml). [default: saved]")
    ] = None,
    personal: PersonalOption = None,
    personal_file: PersonalFileOption = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="txt, md, html, eml, docx or pdf. [default: from --output, else txt]",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help=(
                "Write to this file (atomically, readable by you only); its extension sets "
                "the format, and '-' writes to stdout. A folder when --to gives several "
                "recipients."
            ),
        ),
    ] = None,
    letter_date: LetterDateOption = None,
    to: ToOption = "mp",
    offline: OfflineOption = False,
    campaign: CampaignOption = None,
    max_fact_age: MaxFactAgeOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite --output if it exists.")
    ] = False,
    no_log: NoLogOption = False,
) -> None:
    """Write a letter to your MP (or MSPs, MSs, MLAs: --to) from a template, every fact cited.

    Looks up your MP from your postcode (offline fallback included, and said), addresses the
    letter to them at the House of Commons, dates it and signs it with your name and full
    postal address: MPs answer only their own constituents. --to msp, regional-msps,
    all-msps, ms, mla or all writes to devolved members instead, one letter each, addressed
    to their parliament.
    """
    from actkit import config
    from actkit.fileio import refuse_existing
    from actkit.formats.letters import render

    check_to(to)
    if to != "mp":
        _write_to_representatives(
            template=template,
            to=to,
            options={"name": name, "address": address, "postcode": postcode, "email": email},
            personal=personal_words(personal, personal_file),
            fmt=fmt,
            output=output,
            letter_date=_parse_date(letter_date),
            offline=offline,
            campaign=campaign,
            max_fact_age=max_fact_age,
            force=force,
            no_log=no_log,
        )
        return
    target, chosen_format = _target_and_format(output, fmt)
    refuse_existing(target, force=force)
    letter = compose_letter(
        template,
        config.load(),
        postcode=postcode,
        name=name,
        address=address,
        email=email,
        personal=personal,
        personal_file=personal_file,
        letter_date=letter_date,
        offline=offline,
        campaign=campaign,
        max_fact_age=max_fact_age,
        trial_format=chosen_format,
    )
    content = render(letter, chosen_format)
    write_result(content, target, force=force)
    # Letter log (issue 11): the logic lives in actkit.cli.log.
    record_letter(
        letter, fmt=chosen_format, content=content, output=target, campaign=campaign, no_log=no_log
    )


def compose_letter(
    template: str,
    saved: dict[str, Any],
    *,
    postcode: str | None,
    name: str | None,
    address: str | None,
    email: str | None,
    personal: str | None,
    personal_file: Path | None,
    letter_date: str | None,
    offline: bool,
    campaign: Path | None,
    max_fact_age: int | None,
    trial_format: Format | None = None,
) -> Letter:
    """The letter to your MP, as `letter write` and `letter send` make it.

    The personal words are asked for only once everything else has passed (the template,
    the lookup and, with ``trial_format``, a trial letter in that format), so nothing the
    user types is lost to a later error.
    """
    from actkit.formats.letters import render
    from actkit.letters import prepare_letter
    from actkit.templates import campaign_dir

    _check_suits_mp(template, campaign)
    sender = sender_from(saved, name=name, address=address, postcode=postcode, email=email)
    own_words = personal_words(personal, personal_file)
    day = _parse_date(letter_date)
    prepared = prepare_letter(
        template_name=template,
        postcode=sender.postcode,
        offline=offline,
        campaign=campaign_dir(campaign),
        max_fact_age_days=max_fact_age_days(max_fact_age, saved),
    )
    if own_words is None:
        if trial_format is not None:
            trial = prepared.render(sender=sender, personal=TRIAL_WORDS, letter_date=day)
            render(trial, trial_format)
        own_words = ask_for_personal_words()
    letter = prepared.render(sender=sender, personal=own_words, letter_date=day)
    warn_all(letter.warnings)
    if not letter.has_personal:
        warn(NO_PERSONAL)
    return letter


def _target_and_format(output: Path | None, fmt: str | None) -> tuple[Path | None, Format]:
    """The file to write (None: stdout) and its format, by the README's --output rules."""
    from actkit.formats.letters import BINARY_FORMATS, infer_format

    to_stdout = output is None or str(output) == "-"
    chosen_format = infer_format(fmt, None if to_stdout else str(output))
    if chosen_format in BINARY_FORMATS and to_stdout and stdout_is_terminal():
        raise typer.BadParameter(
            f"{chosen_format} is a binary file: give --output LETTER.{chosen_format} "
            "(or redirect stdout to a file)",
            param_hint="--format",
        )
    return (None if to_stdout else output), chosen_format


def _check_suits_mp(template: str, campaign: Path | None) -> None:
    """A template declaring ``bodies:`` without ``commons`` is refused for --to mp."""
    from actkit.bodies.letters import check_template_suits
    from actkit.templates import campaign_dir, load_template

    check_template_suits(load_template(template, campaign_dir(campaign)), "mp")


def _write_to_representatives(
    *,
    template: str,
    to: str,
    options: dict[str, str | None],
    personal: str | None,
    fmt: str | None,
    output: Path | None,
    letter_date: date,
    offline: bool,
    campaign: Path | None,
    max_fact_age: int | None,
    force: bool,
    no_log: bool = False,
) -> None:
    """``letter write --to`` anyone but the MP: one letter per representative."""
    from actkit import config
    from actkit.bodies.letters import check_template_suits, letter_file_name, write_letters
    from actkit.errors import InvalidInput
    from actkit.facts import load_facts
    from actkit.formats.letters import infer_format, render
    from actkit.letters import LetterRenderer
    from actkit.templates import campaign_dir, load_template

    saved = config.load()
    sender = sender_from(saved, **options)
    chosen_campaign = campaign_dir(campaign)
    letter_template = load_template(template, chosen_campaign)
    check_template_suits(letter_template, to)
    renderer = LetterRenderer(
        letter_template,
        load_facts(chosen_campaign),
        max_fact_age_days=max_fact_age_days(max_fact_age, saved),
    )
    output_is_file = output is not None and output.suffix != "" and not output.is_dir()
    chosen_format = infer_format(fmt, output.name if output_is_file and output else None)

    def letters_with(words: str) -> list[Any]:
        return write_letters(
            template=letter_template,
            renderer=renderer,
            postcode=sender.postcode,
            sender=sender,
            personal=words,
            letter_date=letter_date,
            to=to,
            offline=offline,
        )

    if personal is None:
        # As for the MP: ask only once the lookups and a trial letter have worked (the
        # second lookup is answered from the cache, or offline data, at once).
        for trial in letters_with(TRIAL_WORDS):
            if chosen_format != "eml" or trial.mp.email:
                render(trial, chosen_format)
        personal = ask_for_personal_words()
    letters = letters_with(personal)
    warn_all(letters[0].warnings)
    if not letters[0].has_personal:
        warn(NO_PERSONAL)
    if len(letters) == 1:
        if chosen_format in ("docx", "pdf") and output is None:
            raise typer.BadParameter(
                f"{chosen_format} is a binary file: give --output LETTER.{chosen_format}",
                param_hint="--format",
            )
        content = render(letters[0], chosen_format)
        write_result(content, output, force=force)
        record_letters([(letters[0], content, output)], chosen_format, campaign, no_log=no_log)
        return
    if output is None or output_is_file:
        raise InvalidInput(
            f"--to {to} gives {len(letters)} letters, one per representative: give "
            "--output FOLDER for them"
        )
    if chosen_format == "eml":
        for letter in letters:
            if not letter.mp.email:
                warn(
                    f"no .eml for {letter.mp.full_title}: no email address is listed, "
                    "so write to them by post (--format txt, html or docx)"
                )
        letters = [letter for letter in letters if letter.mp.email]
        if not letters:
            from actkit.errors import NoAnswer

            raise NoAnswer(f"none of your representatives for --to {to} lists an email address")
    # Everything is rendered before anything is written: a failure leaves no half set.
    rendered = [
        (letter_file_name(index, letter, chosen_format), render(letter, chosen_format))
        for index, letter in enumerate(letters, start=1)
    ]
    from actkit.fileio import make_private_dir

    make_private_dir(output)
    for file_name, content in rendered:
        write_result(content, output / file_name, force=force)
    written = [
        (ltr, text, output / name) for ltr, (name, text) in zip(letters, rendered, strict=True)
    ]
    record_letters(written, chosen_format, campaign, no_log=no_log)  # letter log (issue 11)


TRIAL_WORDS = "A trial paragraph, standing in for your own words."


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


# --- templates and facts -----------------------------------------------------------------


@templates_app.command("list")
@reports_errors
def templates_list(campaign: CampaignOption = None, as_json: JsonOption = False) -> None:
    """List letter templates: name, title and description."""
    from actkit.templates import campaign_dir, list_templates

    found = list_templates(campaign_dir(campaign))
    if as_json:
        print_json([t.to_json() for t in found])
        return
    width = max((len(t.name) for t in found), default=0) + 2
    for template in found:
        origin = "" if template.origin == "built-in" else " [campaign]"
        typer.echo(f"{template.name:<{width}}{template.title}{origin}")
        typer.echo(f"{'':<{width}}{template.description}")


@templates_app.command("show")
@reports_errors
def templates_show(
    name: Annotated[str, typer.Argument(help="Template name.")],
    campaign: CampaignOption = None,
) -> None:
    """Print a template's source: front matter and body."""
    from actkit.templates import campaign_dir, load_template

    template = load_template(name, campaign_dir(campaign))
    info(f"# {template.label}")
    typer.echo(template.path.read_text(encoding="utf-8"), nl=False)


@facts_app.command("list")
@reports_errors
def facts_list(campaign: CampaignOption = None, as_json: JsonOption = False) -> None:
    """List facts: id, date, whether verified, and the statement."""
    from actkit.facts import load_facts
    from actkit.templates import campaign_dir

    facts = load_facts(campaign_dir(campaign))
    if as_json:
        print_json([fact.to_json() for fact in facts.values()])
        return
    for fact in facts.values():
        mark = "verified" if fact.verified else "UNVERIFIED, do not use"
        as_of = fact.as_of.isoformat() if fact.as_of else "undated"
        typer.echo(f"{fact.id}  ({as_of}, {mark})")
        typer.echo(f"    {fact.statement}")


@facts_app.command("show")
@reports_errors
def facts_show(
    fact_id: Annotated[str, typer.Argument(metavar="ID", help="Fact id.")],
    campaign: CampaignOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one fact with its source and notes."""
    from actkit.errors import InvalidInput
    from actkit.facts import load_facts
    from actkit.templates import campaign_dir

    facts = load_facts(campaign_dir(campaign))
    if fact_id not in facts:
        raise InvalidInput(f"no fact with id {fact_id!r} (see `actkit facts list`)")
    data = facts[fact_id].to_json()
    if as_json:
        print_json(data)
        return
    source = data["source"]
    rows = [
        ("id", data["id"]),
        ("statement", data["statement"]),
        ("as of", data["as_of"]),
        ("verified", "yes" if data["verified"] else "NO: do not use as a fact"),
        ("source", source["title"]),
        ("publisher", source["publisher"]),
        ("author", source["author"]),
        ("published", source["published"]),
        ("url", source["url"]),
        ("archived", source["archived_url"]),
        ("note", data["note"]),
        ("defined at", facts[fact_id].origin),
    ]
    for label, value in rows:
        if value:
            typer.echo(f"{label + ':':<12}{value}")


@reports_errors
def init(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", file_okay=False, help="Folder to create.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the example files if present.")
    ] = False,
) -> None:
    """Create a campaign folder with an example template and facts file that render as they are."""
    from actkit.campaign import create_campaign

    for path in create_campaign(directory, force=force):
        info(f"Wrote {path}")
    info(
        f"Try it: actkit letter write --campaign {directory} --template example "
        "--postcode 'SW1A 1AA' --name 'Your Name' --address '1 Your Street, Town' --offline"
    )


@letter_app.command("batch")
@reports_errors
def letter_batch(
    supporters: Annotated[
        Path,
        typer.Argument(
            metavar="SUPPORTERS.csv",
            dir_okay=False,
            help="Spreadsheet export: name, address, postcode; optional email, personal.",
        ),
    ],
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template name (`actkit templates list`).")
    ],
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Folder for the drafts and manifest.csv.")
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="txt, md, html, eml, docx or pdf.")
    ] = "txt",
    campaign: CampaignOption = None,
    offline: OfflineOption = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Finish an interrupted batch in --out; retry failed rows."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Start over in an --out that already holds a batch.")
    ] = False,
    letter_date: Annotated[
        str | None, typer.Option("--date", help="The letters' date, YYYY-MM-DD. [default: today]")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=16, help="Requests in flight at once.")
    ] = 4,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=16,
            help="Processes writing letters at once. [default: one per CPU core, at most 4, "
            "when there are 1,000 rows or more]",
        ),
    ] = None,
    max_fact_age: MaxFactAgeOption = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            metavar="FIELD=HEADER",
            help="Use the column HEADER for FIELD (name, first_name, last_name, address, "
            "postcode, email or personal); repeat to map several, or to join columns.",
        ),
    ] = None,
    pack: Annotated[
        Path | None,
        typer.Option(
            "--pack",
            metavar="FILE.pdf",
            dir_okay=False,
            help="Also write one PDF with every letter and a cover sheet, to print and hand out.",
        ),
    ] = None,
    mailmerge: Annotated[
        Path | None,
        typer.Option(
            "--mailmerge",
            metavar="FILE.csv",
            dir_okay=False,
            help="Also write a mail-merge CSV: one row per letter, to send each supporter "
            "their own draft.",
        ),
    ] = None,
    to: ToOption = "mp",
    no_log: NoLogOption = False,
) -> None:
    """Turn a spreadsheet of supporters into one draft per supporter, each to their own MP.

    --to writes to other representatives instead, one letter per supporter per
    representative (--to all-msps: 8 per Scottish supporter); a supporter outside the
    body's nation is a failed row saying so.

    Writes one file per row into --out and appends each row's outcome to --out/manifest.csv
    as it finishes. A bad row never stops the batch. Exit 0 when every row succeeded, 1 when
    any failed. Only postcodes are sent to the web services; saved `config` details are not
    used.
    """
    from actkit import batch
    from actkit.formats.letters import infer_format
    from actkit.supporters import parse_column_choices
    from actkit.templates import campaign_dir

    if resume and force:
        raise typer.BadParameter("give --resume or --force, not both", param_hint="--resume")
    check_to(to)
    options = batch.BatchOptions(
        template=template,
        out_dir=out,
        letter_date=_parse_date(letter_date),
        fmt=infer_format(fmt, None),
        campaign=campaign_dir(campaign),
        offline=offline,
        resume=resume,
        force=force,
        concurrency=concurrency,
        jobs=jobs,
        max_fact_age_days=max_fact_age_days(max_fact_age, None),
        columns=parse_column_choices(column or ()),
        to=to,
    )
    # --- print pack and mail merge (issue 12) ---
    from dataclasses import replace

    from actkit.packs import BatchExtras

    extras = BatchExtras(pack=pack, mailmerge=mailmerge, force=force)
    extras.check(resume=resume)
    options = replace(options, keep_letters=extras.wanted)
    # --- end ---
    prepared = batch.prepare(supporters, options)
    _show_columns(prepared.columns)
    stop = threading.Event()
    with _stop_on_signals(stop), _progress_bar() as (progress, on_total):
        report = prepared.run(
            progress=progress,
            on_total=on_total,
            stop=stop,
            on_result=extras if extras.wanted else None,
        )
    _summarise(report, options, supporters)
    record_batch(
        options, report, prepared.renderer.template, no_log=no_log
    )  # letter log (issue 11)
    if report.interrupted:
        info("Interrupted: run the same command with --resume to finish the rest.")
    elif extras.wanted:
        for path in extras.write(f"Letters to MPs: {template}, {options.letter_date:%-d %B %Y}"):
            info(f"Wrote {path}")
    raise typer.Exit(int(report.exit_code))


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C or SIGTERM asks the batch to stop after the current row (so the manifest and
    the folder agree); a second one stops at once."""

    signals = 0

    def handler(_signal: int, _frame: Any) -> None:
        nonlocal signals
        signals += 1
        if signals > 2:
            stop_now()
        if stop.is_set():
            # Unwind (the manifest is closed on the way out); a thread stuck on a hanging
            # service gets STOP_GRACE_SECONDS, then the program stops regardless.
            stop_soon()
            raise KeyboardInterrupt
        stop.set()
        info("Stopping after the current letter (press Ctrl-C again to stop at once)...")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _by_count(reasons: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, then by name: the same order however the rows were drafted."""
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def _progress_bar() -> Iterator[tuple[Any, Any]]:
    """(advance, set_total) callbacks for a bar with rate and ETA on stderr, or (None, None)
    when stderr is not a terminal."""
    if not stderr_is_terminal():
        yield None, None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} rows/s" if speed else "… rows/s")

    columns = (
        TextColumn("Writing letters"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("letters", total=None)
        yield (
            lambda count: progress.advance(task, count),
            lambda total: progress.update(task, total=total),
        )


def _show_columns(columns: ColumnMap) -> None:
    """Which column feeds which field, and which are ignored: said before any work."""
    from actkit.supporters import FIELD_LABELS, looks_like_notes

    used = [
        f"{FIELD_LABELS.get(field, field)} <- {' + '.join(headers) if headers else '(none)'}"
        for field, headers in columns.used().items()
    ]
    info(f"Columns: {'; '.join(used)}")
    ignored = [
        f"{header} (may be your notes: never personal words unless you give "
        f"--column personal={header!r})"
        if looks_like_notes(header)
        else header
        for header in columns.ignored()
    ]
    if ignored:
        info(f"Ignored columns: {', '.join(ignored)}")


def _summarise(report: Any, options: Any, supporters: Path) -> None:
    """The batch report on stderr: what was written, what failed and why, how personal."""
    last = report.rows + 1
    spans = f"; cells span lines, so it has {report.lines:,} lines" if report.lines > last else ""
    rows = f" (spreadsheet rows 2-{last:,})" if report.rows else ""
    info(f"Read {plural(report.rows, 'row')}{rows} from {supporters}{spans}.")
    for change in report.changes:
        info(f"Since the earlier run: {change}.")
    info(
        f"Wrote {plural(report.written, 'letter')} to {options.out_dir} ({options.fmt}); "
        f"manifest: {report.manifest}"
    )
    if report.shard_size:
        info(f"Letters are in subfolders of {report.shard_size:,} rows (rows-000000-000999, ...).")
    if report.already_done:
        info(f"{plural(report.already_done, 'row')} already done by an earlier run.")
    if report.skipped:
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in _by_count(report.skipped))
        info(f"Skipped {plural(report.skipped_rows, 'row')}: {reasons} (see the manifest).")
    if report.failed:
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in _by_count(report.failed))
        info(
            f"Failed {plural(report.failed_rows, 'row')}: {reasons} (see the manifest's "
            "error column); the other rows went on."
        )
    if report.unexpected_failures:
        warn(
            f"{plural(report.unexpected_failures, 'row')} failed with an unexpected error: a bug "
            "in actkit (please report it); the batch went on without them"
        )
    if options.to == "mp":
        info(f"Constituencies: {len(report.constituencies):,}; MPs: {len(report.mps):,}.")
    else:
        info(f"Representatives written to: {len(report.representatives):,} (--to {options.to}).")
    if report.offline_rows:
        from actkit.representatives import offline_notice

        info(
            f"{plural(report.offline_rows, 'letter')} used offline data (source 'offline' in "
            "the manifest)."
        )
        warn(offline_notice(date.today(), postcode_offline=report.offline_postcode_rows > 0))
    _personalisation(report, options.to)
    warn_all(report.notes)


def _personalisation(report: Any, to: str) -> None:
    if not report.letters:
        return
    identical = report.identical_letters
    whom = "MP" if to == "mp" else "representative"
    info(
        f"Personalisation: {report.with_personal:,} of {report.letters:,} letters include the "
        f"supporter's own words; {identical:,} are identical to another letter to the same {whom} "
        f"once names and addresses are taken out ({report.distinct_texts:,} distinct texts)."
    )
    if identical:
        warn(
            "MPs discount identical letters and WriteToThem refuses them: ask supporters "
            "for a sentence in their own words (a 'personal' column); the manifest's "
            "warnings column flags each one."
        )
