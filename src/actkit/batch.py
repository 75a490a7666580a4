"""Organiser batches: one draft letter per supporter, each addressed to their own MP.

``prepare`` checks everything that can be checked before any work (the columns, the
template, an earlier run in the folder) and returns a ``Batch``; ``Batch.run`` then makes
two streaming passes over the supporters file. The first checks the file's structure,
finds duplicates and collects postcodes so lookups can be grouped (see
``representatives.resolve_many``); the second renders and writes each letter and appends
its row to ``manifest.csv`` as it finishes. A last pass over the manifest flags letters
identical to another letter to the same MP.

``batch.json`` beside the manifest records what the batch was run with, so that
``--resume`` refuses a folder written with another template, format, campaign or column
mapping. Rows are identified by a digest of their content (``row_digest``), so a resumed
run neither skips nor repeats a supporter when rows have been inserted or moved, and
refuses when a finished row was changed or removed.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import json
import os
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from actkit import __version__
from actkit.drafting import (
    NO_PERSONAL_WORDS,
    Drafter,
    DraftSettings,
    Job,
    Reason,
    RowResult,
    Status,
    locate,
    seat_needed,
    with_seat,
)
from actkit.emails import check_email
from actkit.errors import ActkitError, ExitCode, InvalidInput, OutputExists
from actkit.fileio import TEMP_SUFFIX, atomic_write, sweep_temporary_files
from actkit.formats.letters import Format, encoded
from actkit.http import HttpClient
from actkit.letters import DEFAULT_MAX_FACT_AGE_DAYS, LetterRenderer, Sender
from actkit.models import HOUSE_OF_COMMONS_ADDRESS, MP, Constituency
from actkit.postcodes import normalise_postcode
from actkit.representatives import Resolution, resolve_many
from actkit.supporters import ColumnMap, SupporterFile, supporter_identity
from actkit.text import FORMULA_START, neutralise_row
from actkit.workers import draft_in_processes, worker_count

MANIFEST = "manifest.csv"
RUN_RECORD = "batch.json"
MANIFEST_COLUMNS = (
    "row",
    "name",
    "postcode",
    "constituency",
    "gss_code",
    "mp_name",
    "mp_email",
    "source",
    "file",
    "status",
    "error",
    # Appended for letters to any representative (batch --to); the columns above keep
    # their names and order for the spreadsheets and scripts that read them.
    "body",
    "rep_name",
    "rep_email",
    "row_digest",
    "text_digest",
    "warnings",
)
"""Append new columns just before ``warnings``, which stays last."""
SHARD_SIZE = 1000
"""Batches of more rows than this put their letters in subfolders of this many rows."""
IDENTICAL = "identical to {count:,} other letter{s} to this {whom}"
_IDENTICAL_START = IDENTICAL.split("{", 1)[0]
RESUME_MUST_MATCH = {
    "template": "template",
    "template_digest": "template text",  # said as "an earlier version of template 'x'"
    "format": "format",
    "campaign": "campaign",
    "columns": "column mapping",
    "to": "--to",
}
"""What a resumed run must share with the run that started the folder, and its name."""


@dataclass(frozen=True, slots=True)
class BatchOptions:
    template: str
    out_dir: Path
    letter_date: date
    fmt: Format = "txt"
    campaign: Path | None = None
    offline: bool = False
    resume: bool = False
    force: bool = False
    concurrency: int = 4
    max_fact_age_days: int = DEFAULT_MAX_FACT_AGE_DAYS
    columns: tuple[tuple[str, str], ...] = ()
    """``--column FIELD=HEADER`` choices."""
    shard_size: int = SHARD_SIZE
    keep_letters: bool = False
    """Hand each letter to ``on_result`` too (for a print pack or a mail-merge file)."""
    to: str = "mp"
    """Who each supporter writes to (``actkit.bodies.registry.RECIPIENTS``)."""
    jobs: int | None = None
    """Processes drafting letters (``--jobs``); None: one per core for large batches."""


@dataclass
class BatchReport:
    rows: int = 0
    """Data rows in the file (the header not counted)."""
    lines: int = 0
    """Lines in the file, header included: more than rows + 1 when cells span lines."""
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    """Skipped rows by reason (blank, duplicate)."""
    already_done: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    """Failed rows by reason."""
    constituencies: set[str] = field(default_factory=set)
    mps: set[int] = field(default_factory=set)
    offline_rows: int = 0
    offline_postcode_rows: int = 0
    """Rows whose constituency came from the offline postcode table."""
    letters: int = 0
    """Letters in the folder: this run's and an earlier run's."""
    with_personal: int = 0
    identical_letters: int = 0
    """Letters identical to another letter to the same MP, less names and addresses."""
    distinct_texts: int = 0
    notes: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    """How the supporters file changed since the run being resumed."""
    manifest: Path = Path()
    requests: dict[str, int] = field(default_factory=dict)
    """Requests that reached the network (not the cache), by service."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each phase: "scan", "lookup", "write", "finish"."""
    shard_size: int = 0
    interrupted: bool = False
    """The run was asked to stop before the last row; --resume finishes it."""
    representatives: set[str] = field(default_factory=set)
    """Distinct representatives written to (body and name), for ``--to`` other than mp."""

    def absorb(self, other: BatchReport) -> None:
        """Add the counts of rows another process drafted (``actkit.workers``)."""
        self.written += other.written
        self.skipped.update(other.skipped)
        self.failed.update(other.failed)
        self.constituencies |= other.constituencies
        self.mps |= other.mps
        self.offline_rows += other.offline_rows
        self.offline_postcode_rows += other.offline_postcode_rows
        self.representatives |= other.representatives
        self.notes.extend(note for note in other.notes if note not in self.notes)

    @property
    def failed_rows(self) -> int:
        return sum(self.failed.values())

    @property
    def skipped_rows(self) -> int:
        return sum(self.skipped.values())

    @property
    def unexpected_failures(self) -> int:
        return self.failed[Reason.UNEXPECTED]

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        return ExitCode.NO_ANSWER if self.failed_rows else ExitCode.OK


Progress = Callable[[int], None]
"""Called with the number of rows just finished."""


def prepare(csv_path: Path, options: BatchOptions) -> Batch:
    """Check everything that can be checked before any work: columns, template, facts, and
    whether ``options.out_dir`` may be used."""
    from actkit.bodies.letters import check_template_suits
    from actkit.facts import load_facts
    from actkit.templates import load_template

    supporters = SupporterFile(csv_path, options.columns)
    template = load_template(options.template, options.campaign)
    check_template_suits(template, options.to)
    renderer = LetterRenderer(
        template, load_facts(options.campaign), max_fact_age_days=options.max_fact_age_days
    )
    _rehearse(renderer, options.letter_date, options.fmt)
    if "email" in supporters.columns.fields:
        check_email("a@example.org")  # loads the checker once, here, before any fork
    record = {
        "template": template.name,
        "template_digest": hashlib.blake2b(
            f"{template.subject}\x1f{template.body}".encode(), digest_size=16
        ).hexdigest(),
        "format": options.fmt,
        "campaign": str(options.campaign.resolve()) if options.campaign else None,
        "columns": supporters.columns.record(),
        "to": options.to,
        # For the organiser's information; a resumed run may differ in these.
        "supporters": str(csv_path),
        "letter_date": options.letter_date.isoformat(),
        "offline": options.offline,
        "actkit": __version__,
    }
    earlier = _earlier_run(options, record)
    return Batch(supporters, renderer, options, record, earlier)


def _rehearse(renderer: LetterRenderer, letter_date: date, fmt: Format) -> None:
    """Render the template once with stand-in values, with and without personal words, so
    a template that fails for everyone stops the batch before any work.

    Each letter is also formatted, which loads what the format needs (the Markdown parser,
    the .docx package, the PDF fonts) once, here, before any worker process is forked.
    """
    mp = MP(
        name="A Member",
        full_title="A Member MP",
        address_as="A Member",
        party="A Party",
        member_id=None,
        email="a.member.mp@parliament.uk",
        postal_address=HOUSE_OF_COMMONS_ADDRESS,
    )
    sender = Sender("A Supporter", ("1 A Street", "A Town"), "SW1A 1AA", "a@example.org")
    for personal in ("", "A few words of my own."):
        letter = renderer.render(
            mp=mp,
            constituency=Constituency("A Constituency", "E14000000"),
            sender=sender,
            personal=personal,
            letter_date=letter_date,
        )
        # A problem here (an .eml without an address) fails the rows it concerns, later.
        with contextlib.suppress(Exception):
            encoded(letter, fmt)


@dataclass
class _EarlierRun:
    """What an earlier run left in the folder (for --resume)."""

    record: dict[str, Any]
    rows: list[list[dict[str, str]]]
    """Finished rows, each as its manifest lines (one per letter: ``--to`` can write
    several): every letter written and still on disk."""


def _earlier_run(options: BatchOptions, record: dict[str, Any]) -> _EarlierRun | None:
    """The run to resume, if any; refuses a used folder without --resume or --force, and
    a resume into a folder written with other settings."""
    manifest_path = options.out_dir / MANIFEST
    if not manifest_path.exists() or options.force:
        return None
    if not options.resume:
        raise OutputExists(
            f"{options.out_dir} already holds a batch ({MANIFEST}): use "
            "--resume to finish it or --force to start over"
        )
    earlier = _read_record(options.out_dir / RUN_RECORD)
    differences = _differences(earlier, record)
    if differences:
        raise InvalidInput(
            f"cannot resume: the batch in {options.out_dir} was written with "
            f"{'; '.join(differences)}; use the same settings, another --out, or --force "
            "to start over"
        )
    return _EarlierRun(earlier, _finished_rows(manifest_path))


def _differences(earlier: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """What differs between the run being resumed and this one, in words."""
    differences = []
    for key, label in RESUME_MUST_MATCH.items():
        before, now = earlier.get(key), record[key]
        if before == now:
            continue
        if key == "template_digest":
            if earlier.get("template") == record["template"]:
                differences.append(f"an earlier version of template {record['template']!r}")
            continue
        differences.append(f"{label} {_shown(before)} (now {_shown(now)})")
    return differences


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            f"cannot resume: {path.parent} has no {RUN_RECORD} saying what its batch was run "
            "with (an older actkit, or not a batch folder); use --force to start over"
        ) from None
    except (OSError, ValueError) as error:
        raise InvalidInput(f"cannot resume: {path} cannot be read: {error}") from None
    if not isinstance(record, dict):
        raise InvalidInput(f"cannot resume: {path} is not a batch record")
    return record


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={'+'.join(v) or '-'}" for k, v in value.items())
    return "none" if value is None else repr(value) if isinstance(value, str) else str(value)


@dataclass
class Batch:
    """A checked batch, ready to run."""

    supporters: SupporterFile
    renderer: LetterRenderer
    options: BatchOptions
    record: dict[str, Any]
    """What this run uses, as ``batch.json`` keeps it."""
    earlier: _EarlierRun | None = None

    @property
    def columns(self) -> ColumnMap:
        """The column mapping, to show before any work."""
        return self.supporters.columns

    def run(
        self,
        *,
        progress: Progress | None = None,
        on_total: Callable[[int], None] | None = None,
        http: HttpClient | None = None,
        stop: threading.Event | None = None,
        on_result: Callable[[RowResult], None] | None = None,
    ) -> BatchReport:
        """Write one draft per supporter into ``options.out_dir``; see the module docstring.

        Setting ``stop`` (from a signal handler, say) ends the run soon after: letters
        already on disk go into the manifest, and the report says ``interrupted``.
        """
        options = self.options
        out_dir = options.out_dir
        report = BatchReport(manifest=out_dir / MANIFEST)
        started = time.perf_counter()
        scan = _scan(self.supporters, self.earlier, report)  # may refuse: nothing written yet
        report.seconds["scan"] = time.perf_counter() - started
        shard_size = self._open_folder(scan, report)
        if on_total:
            on_total(scan.to_do)
        drafter = Drafter(self._settings(shard_size), self.renderer)
        owned_http = http or HttpClient(use_cache=not options.offline)  # offline: touch nothing
        try:
            resolution = resolve_many(
                scan.postcodes,
                offline=options.offline,
                http=owned_http,
                concurrency=options.concurrency,
                with_mps=options.to == "mp",
            )
            expand = _recipients(resolution, options, owned_http, self.renderer, report)
            # Several processes once every answer is in (forking waits for the lookups);
            # one when a caller wants each letter back (a print pack), or few rows.
            workers = 1 if on_result else worker_count(options.jobs, scan.to_do)
            if workers > 1:
                resolution.settle()
            report.seconds["lookup"] = time.perf_counter() - started - report.seconds["scan"]
            with resolution:
                _write_letters(
                    self,
                    drafter,
                    resolution,
                    report,
                    scan,
                    _Hooks(progress, stop, expand, on_result),
                    workers,
                )
            report.requests = dict(owned_http.requests_sent)
            report.notes[:0] = resolution.notes
            finishing = time.perf_counter()
            _flag_identical_letters(report)
            report.seconds["finish"] = time.perf_counter() - finishing
        finally:
            if http is None:
                owned_http.close()
            # However the run ends (Ctrl-C, SIGTERM, a bug), no partial letter stays behind.
            _sweep(out_dir)
        return report

    def _open_folder(self, scan: _Scan, report: BatchReport) -> int:
        """Start over, or keep what an earlier run finished; record this run. Returns the
        shard size (0: no subfolders)."""
        options, out_dir = self.options, self.options.out_dir
        manifest_path = out_dir / MANIFEST
        if options.force and manifest_path.exists():
            _start_over(out_dir)
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sweep(out_dir)
        if self.earlier is not None:
            shard_size = int(self.earlier.record.get("shard_size") or 0)
            _rewrite_manifest(manifest_path, scan.kept)  # failed rows are retried
            listed = frozenset(entry["file"] for entry in scan.kept)
            _remove_unlisted_drafts(out_dir, listed, options.fmt)
            report.already_done = len(scan.done_rows)
        else:
            shard_size = options.shard_size if report.rows > options.shard_size else 0
            atomic_write(
                out_dir / RUN_RECORD,
                json.dumps({**self.record, "shard_size": shard_size}, indent=2) + "\n",
                force=True,
            )
        report.shard_size = shard_size
        return shard_size

    def _settings(self, shard_size: int) -> DraftSettings:
        options = self.options
        if self.earlier is not None:
            # A resumed run owns the folder; only letters finished for other rows are kept.
            protected = frozenset(entry["file"] for entry in self._kept_entries())
        else:
            protected = frozenset(_files_in(options.out_dir))
        return DraftSettings(
            out_dir=options.out_dir,
            fmt=options.fmt,
            letter_date=options.letter_date,
            protected=protected,
            shard_size=shard_size,
            keep_letters=options.keep_letters,
            body=_group_body(options.to),
        )

    def _kept_entries(self) -> list[dict[str, str]]:
        return [entry for row in self.earlier.rows for entry in row] if self.earlier else []


@dataclass
class _Scan:
    """Pass 1: what the supporters file holds, before any work."""

    postcodes: list[str] = field(default_factory=list)
    """Distinct valid postcodes to look up, in order of first appearance."""
    to_do: int = 0
    done_rows: set[int] = field(default_factory=set)
    """Rows an earlier run finished (for --resume)."""
    duplicates: dict[int, int] = field(default_factory=dict)
    """Row -> the earlier row with the same name and postcode."""
    kept: list[dict[str, str]] = field(default_factory=list)
    """The earlier run's finished manifest lines, renumbered to the rows as they are now."""


def _scan(supporters: SupporterFile, earlier: _EarlierRun | None, report: BatchReport) -> _Scan:
    scan = _Scan()
    waiting = _waiting_for(earlier)
    first_row: dict[tuple[str, str], int] = {}
    postcodes: dict[str, None] = {}
    moved = 0
    for supporter in supporters.rows():
        report.rows += 1
        if supporter.name:  # a row without a name fails on its own, it duplicates no one
            first = first_row.setdefault(supporter.identity, supporter.row)
            if first != supporter.row:
                scan.duplicates[supporter.row] = first
                continue  # its line is written in pass 2, with no letter and no lookup
        finished = _finished_before(waiting, supporter.digest)
        if finished is not None:
            moved += finished[0]["row"] != str(supporter.row)
            scan.kept.extend({**entry, "row": str(supporter.row)} for entry in finished)
            scan.done_rows.add(supporter.row)
            continue
        with contextlib.suppress(ActkitError):
            postcodes[normalise_postcode(supporter.postcode)] = None
    report.lines = supporters.lines
    scan.postcodes = list(postcodes)
    scan.to_do = report.rows - len(scan.done_rows)
    if earlier is not None:
        _check_still_there(waiting, first_row, supporters.path)
        report.changes = _changes(moved, scan.to_do, len(earlier.rows))
    return scan


_Waiting = dict[str, list[list[dict[str, str]]]]
"""The earlier run's finished rows (their manifest lines) by row digest."""


def _finished_before(waiting: _Waiting, digest: str) -> list[dict[str, str]] | None:
    """The earlier run's lines for a finished row with this content, if one is left."""
    queue = waiting.get(digest)
    return queue.pop(0) if queue else None


def _waiting_for(earlier: _EarlierRun | None) -> _Waiting:
    """The earlier run's finished rows by row digest, each waiting to be found again."""
    waiting: _Waiting = defaultdict(list)
    for row in earlier.rows if earlier else ():
        waiting[row[0]["row_digest"]].append(row)
    return waiting


def _check_still_there(
    waiting: _Waiting, first_row: dict[tuple[str, str], int], path: Path
) -> None:
    """Refuse to resume when a row whose letter is written has changed or gone: its letter
    would no longer match the spreadsheet, or a supporter would get a second letter."""
    lost = sorted(
        (row[0] for queue in waiting.values() for row in queue), key=lambda e: int(e["row"])
    )
    if not lost:
        return
    shown = []
    for entry in lost[:5]:
        now = first_row.get(supporter_identity(_plain(entry["name"]), _plain(entry["postcode"])))
        moved = f" (now row {now})" if now and str(now) != entry["row"] else ""
        what = f"changed{moved}" if now else "removed"
        shown.append(f"row {entry['row']} ({entry['file']}) was {what}")
    more = f" and {len(lost) - 5:,} more" if len(lost) > 5 else ""
    raise InvalidInput(
        f"cannot resume: {path} changed since its letters were written: "
        f"{'; '.join(shown)}{more}. Those letters no longer match the spreadsheet: undo the "
        "change, or use --force to start over"
    )


def _changes(moved: int, to_do: int, finished: int) -> list[str]:
    changes = []
    if moved:
        changes.append(
            f"{moved:,} finished rows have moved in the file since the earlier run; "
            "the manifest's row numbers follow the file as it is now"
        )
    if finished:
        changes.append(f"{to_do:,} rows still to do (new, changed or failed before)")
    return changes


def _plain(cell: str) -> str:
    """A manifest cell as it was before formula neutralising."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _recipients(
    resolution: Resolution,
    options: BatchOptions,
    http: HttpClient,
    renderer: LetterRenderer,
    report: BatchReport,
) -> Callable[[Job], list[Job]] | None:
    """For ``--to`` other than mp: each job becomes one per representative."""
    if options.to == "mp":
        return None
    from actkit.bodies.batching import expand, resolve_recipients

    answers, notes = resolve_recipients(
        resolution.places,
        options.to,
        http=http,
        offline=options.offline,
        concurrency=options.concurrency,
    )
    report.notes.extend(notes)
    template = renderer.template

    def per_representative(job: Job) -> list[Job]:
        jobs = expand(job, answers)
        return [j for j in jobs if j.recipient is None or template.suits(j.recipient.body)]

    return per_representative


def _group_body(to: str) -> str:
    from actkit.bodies.registry import RECIPIENTS

    group = RECIPIENTS.get(to)
    return (group.body_id or "") if group else ""


@dataclass(frozen=True, slots=True)
class _Hooks:
    """What the caller hears and says while letters are written."""

    progress: Progress | None
    stop: threading.Event | None
    expand: Callable[[Job], list[Job]] | None
    on_result: Callable[[RowResult], None] | None


def _write_letters(
    batch: Batch,
    drafter: Drafter,
    resolution: Resolution,
    report: BatchReport,
    scan: _Scan,
    hooks: _Hooks,
    workers: int = 1,
) -> None:
    """Pass 2: draft each row's letters, appending their outcomes to the manifest."""
    writing = time.perf_counter()
    expand, stop = hooks.expand, hooks.stop

    # Workers take whole shard folders when there are enough to go round: two processes
    # adding files to one folder wait for each other on its lock.
    shard = drafter.settings.shard_size
    by_shard = shard and report.rows >= 2 * workers * shard

    def jobs(stripe: int = 0, stripes: int = 1) -> Iterator[Job]:
        def mine(row: int) -> bool:
            return (row // shard if by_shard else row) % stripes == stripe

        for supporter in batch.supporters.rows(keep=mine if stripes > 1 else None):
            if supporter.row not in scan.done_rows:
                job = locate(supporter, resolution.places, scan.duplicates.get(supporter.row))
                yield from expand(job) if expand else (job,)

    rows_finished: set[str] = set()
    with _manifest(report.manifest) as manifest:

        def finish(result: RowResult) -> None:
            cells = result.manifest_cells
            manifest.write(_manifest_line(cells))
            _count(report, result)
            if hooks.on_result is not None:
                hooks.on_result(result)
            # Progress is per row (a row may be several letters, one per representative).
            if hooks.progress and cells["row"] not in rows_finished:
                hooks.progress(1)
            rows_finished.add(cells["row"])

        if workers > 1:

            def ready_jobs(stripe: int, stripes: int) -> Iterator[Job]:
                return (with_seat(job, resolution.seat) for job in jobs(stripe, stripes))

            counts = BatchReport()  # each worker counts into its own copy

            def draft_row(job: Job) -> tuple[str, str]:
                result = drafter.draft(job)
                _count(counts, result)
                cells = result.manifest_cells
                return _manifest_line(cells), cells["row"]

            report.interrupted = draft_in_processes(
                ready_jobs,
                draft_row,
                counts,
                workers,
                _Results(manifest, report, hooks.progress),
                stop,
            )
        else:
            for job in _ready_first(jobs(), resolution):
                if stop is not None and stop.is_set():
                    report.interrupted = True  # a letter was left to write: --resume does it
                    break
                finish(drafter.draft(job))
    report.seconds["write"] = time.perf_counter() - writing


@dataclass
class _Results:
    """The workers' manifest lines and counts, taken into this run's manifest and report."""

    manifest: _FlushingWriter
    report: BatchReport
    progress: Progress | None

    def lines(self, text: str, rows: int) -> None:
        self.manifest.write(text)
        if self.progress and rows:
            self.progress(rows)

    def tally(self, counted: BatchReport) -> None:
        self.report.absorb(counted)


PARK_LIMIT = 20_000
"""Rows held back waiting for their MP's details, at most; beyond it the batch waits."""


def _ready_first(jobs: Iterator[Job], resolution: Resolution) -> Iterator[Job]:
    """Jobs whose MP is known go first; the others wait until their MP's details arrive.

    While contact details are still being fetched, letters to MPs already known are
    written, so the disk and the network work at the same time. The manifest's ``row``
    column keeps each line's place in the spreadsheet.
    """
    parked: dict[str, list[Job]] = defaultdict(list)
    waiting = 0
    for job in jobs:
        gss = seat_needed(job)
        if gss and waiting < PARK_LIMIT and not resolution.has_seat(gss):
            parked[gss].append(job)
            waiting += 1
        else:
            yield with_seat(job, resolution.seat)
        for arrived in resolution.newly_ready():
            for held in parked.pop(arrived, []):
                waiting -= 1
                yield with_seat(held, resolution.seat)
    for held_jobs in parked.values():
        for held in held_jobs:
            yield with_seat(held, resolution.seat)


def _count(report: BatchReport, result: RowResult) -> None:
    if result.status is Status.SKIPPED:
        report.skipped[result.reason or ""] += 1
    elif result.status is Status.FAILED:
        report.failed[result.reason or Reason.UNEXPECTED] += 1
    else:
        report.written += 1
        report.constituencies.add(result.gss_code)
        if result.member_id is not None:
            report.mps.add(result.member_id)
        report.offline_rows += result.offline
        report.offline_postcode_rows += result.offline_postcode
        if result.cells.get("body", "commons") != "commons":
            report.representatives.add(f"{result.cells['body']}:{result.cells['rep_name']}")
    for warning in result.warnings:
        if warning not in report.notes:
            report.notes.append(warning)


# --- the manifest ---------------------------------------------------------------------------


def _finished_rows(manifest_path: Path) -> list[list[dict[str, str]]]:
    """Rows an earlier run finished, each as its lines: every letter of the row written and
    still on disk. Other rows are done again, whole (a failed letter may succeed now;
    skipping a blank or duplicate row costs nothing)."""
    folder = manifest_path.parent
    by_row: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry in _read_manifest(manifest_path):
        by_row[entry["row"]].append(entry)
    return [
        entries
        for entries in by_row.values()
        if all(_written(folder, entry) for entry in entries)
        and len({entry["row_digest"] for entry in entries}) == 1
    ]


def _written(folder: Path, entry: dict[str, str]) -> bool:
    return (
        entry["status"] == Status.OK
        and len(entry.get("row_digest") or "") == 32
        and (folder / entry["file"]).is_file()
    )


_STATUSES = frozenset(status.value for status in Status)


def _read_manifest(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for entry in csv.DictReader(_whole_lines(handle)):
            if entry.get("row", "").isdigit() and entry.get("status") in _STATUSES:
                yield entry


def _whole_lines(handle: IO[str]) -> Iterator[str]:
    """The manifest's lines, less a last one cut short by a crash (no line ending): its
    letter is written again on --resume. No manifest cell holds a line break."""
    for line in handle:
        if line.endswith("\n"):
            yield line


def _rewrite_manifest(path: Path, entries: Iterator[dict[str, str]] | list[dict[str, str]]) -> None:
    temporary = path.with_name(f".{path.name}{TEMP_SUFFIX}")
    with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        temporary.chmod(0o600)
        writer = csv.DictWriter(handle, MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(entries)
    temporary.replace(path)


def _flag_identical_letters(report: BatchReport) -> None:
    """Flag each letter identical to another letter to the same MP (what an MP's office
    sees), over every letter in the folder, and count them for the report.

    Two passes over the manifest with plain rows (not dicts): at 100,000 lines this is a
    second or two, not a phase of its own.
    """
    path = report.manifest
    groups: Counter[tuple[str, str, str]] = Counter()
    personal = 0
    with _manifest_lines(path) as (at, lines):
        for line in lines:
            if line[at.status] == Status.OK:
                groups[at.group(line)] += 1
                personal += NO_PERSONAL_WORDS not in line[at.warnings].split("; ")
    report.letters = sum(groups.values())
    report.with_personal = personal
    report.identical_letters = sum(count for count in groups.values() if count > 1)
    report.distinct_texts = len(groups)
    temporary = path.with_name(f".{path.name}{TEMP_SUFFIX}")
    with (
        _manifest_lines(path) as (at, lines),
        temporary.open("w", encoding="utf-8-sig", newline="") as handle,
    ):
        temporary.chmod(0o600)
        writer = csv.writer(handle)
        writer.writerow(at.columns)
        writer.writerows(at.with_identical_flag(line, groups) for line in lines)
    temporary.replace(path)


@dataclass
class _Columns:
    """Where each cell the last pass needs sits in a manifest line."""

    columns: list[str]

    def __post_init__(self) -> None:
        for name in ("status", "warnings", "gss_code", "mp_name", "text_digest"):
            if name not in self.columns:
                raise InvalidInput(f"the manifest has no {name!r} column")

    @functools.cached_property
    def status(self) -> int:
        return self.columns.index("status")

    @functools.cached_property
    def warnings(self) -> int:
        return self.columns.index("warnings")

    @functools.cached_property
    def _recipient(self) -> tuple[int, int, int | None, int | None, int]:
        columns = self.columns
        optional = [columns.index(c) if c in columns else None for c in ("body", "rep_name")]
        return (
            columns.index("gss_code"),
            columns.index("mp_name"),
            optional[0],
            optional[1],
            columns.index("text_digest"),
        )

    def group(self, line: list[str]) -> tuple[str, str, str]:
        """Letters to one representative (MP or, with --to, any other), same words."""
        gss, mp, _, rep, text = self._recipient
        who = (line[rep] if rep is not None else "") or line[mp]
        return line[gss], f"{self.body_of(line)}:{who}", line[text]

    def body_of(self, line: list[str]) -> str:
        body = self._recipient[2]
        return (line[body] if body is not None else "") or "commons"

    def with_identical_flag(
        self, line: list[str], groups: Counter[tuple[str, str, str]]
    ) -> list[str]:
        # The warnings cell is this module's own record: an earlier flag is replaced.
        at = self.warnings
        kept = [w for w in line[at].split("; ") if w and not w.startswith(_IDENTICAL_START)]
        others = groups[self.group(line)] - 1 if line[self.status] == Status.OK else 0
        if others > 0:
            whom = "MP" if self.body_of(line) == "commons" else "representative"
            kept.append(IDENTICAL.format(count=others, s="" if others == 1 else "s", whom=whom))
        return [*line[:at], "; ".join(kept), *line[at + 1 :]]


@contextlib.contextmanager
def _manifest_lines(path: Path) -> Iterator[tuple[_Columns, Iterator[list[str]]]]:
    """The manifest's columns and its whole lines as lists, padded to the header's width."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(_whole_lines(handle))
        columns = next(reader, None) or list(MANIFEST_COLUMNS)
        width = len(columns)
        yield (
            _Columns(columns),
            (
                line if len(line) == width else (line + [""] * width)[:width]
                for line in reader
                if line and line[0].isdigit()
            ),
        )


def _start_over(folder: Path) -> None:
    """--force: remove the letters the old manifest lists (only inside the folder), and it."""
    root = folder.resolve()
    for entry in _read_manifest(folder / MANIFEST):
        name = entry.get("file", "")
        target = (root / name).resolve()
        if name and _is_draft_place(root, target):
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
    with contextlib.suppress(InvalidInput):  # no record: only the listed letters go
        old_format = _read_record(folder / RUN_RECORD).get("format")
        if isinstance(old_format, str):
            _remove_unlisted_drafts(root, frozenset(), old_format)
    for shard in _shards(root):
        with contextlib.suppress(OSError):
            shard.rmdir()  # only if empty: the organiser's own files stay
    (folder / MANIFEST).unlink()
    with contextlib.suppress(FileNotFoundError):
        (folder / RUN_RECORD).unlink()


def _remove_unlisted_drafts(root: Path, listed: frozenset[str], fmt: str) -> None:
    """Remove drafts a killed run wrote but never listed (its manifest line was lost before
    it reached the disk): their rows are drafted again, so they would be second copies."""
    draft = re.compile(rf"\d{{6,}}-[a-z0-9-]+\.{re.escape(str(fmt))}")
    for name in _files_in(root):
        if name not in listed and draft.fullmatch(name.rpartition("/")[2]):
            with contextlib.suppress(FileNotFoundError):
                (root / name).unlink()


def _is_draft_place(root: Path, target: Path) -> bool:
    """In the folder itself or one of its shard subfolders, and not the batch's own files."""
    in_place = target.parent == root or (
        target.parent.parent == root and target.parent.name.startswith("rows-")
    )
    return in_place and target.name not in (MANIFEST, RUN_RECORD)


def _shards(root: Path) -> list[Path]:
    return [p for p in root.glob("rows-*") if p.is_dir()]


def _files_in(root: Path) -> Iterator[str]:
    """Every file in the folder and its shard subfolders, relative to it."""
    if not root.is_dir():
        return
    for entry in os.scandir(root):
        if entry.is_file():
            yield entry.name
        elif entry.is_dir() and entry.name.startswith("rows-"):
            yield from (f"{entry.name}/{inner.name}" for inner in os.scandir(entry.path))


def _sweep(root: Path) -> None:
    if root.is_dir():
        sweep_temporary_files(root)
        for shard in _shards(root):
            sweep_temporary_files(shard)


@contextlib.contextmanager
def _manifest(path: Path) -> Iterator[_FlushingWriter]:
    new = not path.exists() or path.stat().st_size == 0  # empty: killed before a flush
    with path.open("a", encoding="utf-8", newline="") as handle:
        if new:
            path.chmod(0o600)  # supporters' names and postcodes
            handle.write("\ufeff")  # lets Excel open the UTF-8 file with the right characters
        if new:
            csv.writer(handle).writerow(MANIFEST_COLUMNS)
        yield _FlushingWriter(handle)


@dataclass
class _FlushingWriter:
    """Manifest rows reach the disk within a fraction of a second of their letters.

    Flushing after every row would cost a system call per letter. A row lost in a crash
    before its flush is harmless: its letter is simply written again on --resume.
    """

    handle: IO[str]
    interval: float = 0.2
    _last_flush: float = field(default_factory=time.monotonic)

    def write(self, lines: str) -> None:
        """Lines in CSV form (``_manifest_line``)."""
        self.handle.write(lines)
        now = time.monotonic()
        if now - self._last_flush >= self.interval:
            self.handle.flush()
            self._last_flush = now


class _LineBuffer:
    """What a csv writer writes to, to get one line as text."""

    line = ""

    def write(self, text: str) -> None:
        self.line = text


_LINE = _LineBuffer()
_LINE_WRITER = csv.writer(_LINE)


def _manifest_line(cells: dict[str, str]) -> str:
    """One manifest line as CSV text, its cells in ``MANIFEST_COLUMNS`` order."""
    _LINE_WRITER.writerow(_neutralised([cells.get(c, "") for c in MANIFEST_COLUMNS]))
    return _LINE.line


def _neutralised(cells: list[str]) -> list[str]:
    """Stop a spreadsheet running a cell as a formula (CSV injection)."""
    return neutralise_row(cells)
