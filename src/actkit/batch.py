"""Organiser batches: one draft letter per supporter, each addressed to their own MP.

Two streaming passes over the supporters file: the first collects postcodes so lookups
can be grouped (see ``representatives.resolve_many``), the second renders and writes
each letter and appends its row to ``manifest.csv`` as it finishes. An interrupted run
resumes from the manifest without redoing or duplicating finished rows.
"""

from __future__ import annotations

import contextlib
import csv
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from actkit.drafting import (
    Drafter,
    DraftSettings,
    Job,
    RowResult,
    draft_in_order,
    locate,
    seat_needed,
    with_seat,
)
from actkit.errors import ActkitError, ExitCode, OutputExists
from actkit.fileio import TEMP_SUFFIX, sweep_temporary_files
from actkit.formats.letters import Format
from actkit.http import HttpClient
from actkit.letters import DEFAULT_MAX_FACT_AGE_DAYS, LetterRenderer
from actkit.postcodes import normalise_postcode
from actkit.representatives import Resolution, resolve_many
from actkit.supporters import SupporterFile
from actkit.text import neutralise_formula

MANIFEST = "manifest.csv"
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
)


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
    keep_letters: bool = False
    """Hand each letter to ``on_result`` too (for a print pack or a mail-merge file)."""
    to: str = "mp"
    """Who each supporter writes to (``actkit.bodies.registry.RECIPIENTS``)."""


@dataclass
class BatchReport:
    rows: int = 0
    written: int = 0
    skipped: int = 0
    already_done: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    """Failed rows by reason."""
    constituencies: set[str] = field(default_factory=set)
    mps: set[int] = field(default_factory=set)
    offline_rows: int = 0
    offline_postcode_rows: int = 0
    """Rows whose constituency came from the offline postcode table."""
    with_personal: int = 0
    text_counts: Counter[bytes] = field(default_factory=Counter)
    """How many letters share each text once names and addresses are taken out."""
    notes: list[str] = field(default_factory=list)
    manifest: Path = Path()
    requests: dict[str, int] = field(default_factory=dict)
    """Requests that reached the network (not the cache), by service."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each phase: "scan", "lookup", "write"."""
    interrupted: bool = False
    """The run was asked to stop before the last row; --resume finishes it."""
    representatives: set[str] = field(default_factory=set)
    """Distinct representatives written to (body and name), for ``--to`` other than mp."""

    @property
    def failed_rows(self) -> int:
        return sum(self.failed.values())

    @property
    def identical_letters(self) -> int:
        """Letters whose text (less names and addresses) is shared with at least one other."""
        return sum(count for count in self.text_counts.values() if count > 1)

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        return ExitCode.NO_ANSWER if self.failed_rows else ExitCode.OK


Progress = Callable[[int], None]
"""Called with the number of rows just finished."""


def prepare(csv_path: Path, options: BatchOptions) -> tuple[SupporterFile, LetterRenderer]:
    """Check everything that can be checked before any work: columns, template, facts."""
    from actkit.bodies.letters import check_template_suits
    from actkit.facts import load_facts
    from actkit.templates import load_template

    supporters = SupporterFile(csv_path)
    template = load_template(options.template, options.campaign)
    check_template_suits(template, options.to)
    renderer = LetterRenderer(
        template,
        load_facts(options.campaign),
        max_fact_age_days=options.max_fact_age_days,
    )
    return supporters, renderer


def run_batch(
    supporters: SupporterFile,
    renderer: LetterRenderer,
    options: BatchOptions,
    *,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    http: HttpClient | None = None,
    stop: threading.Event | None = None,
    on_result: Callable[[RowResult], None] | None = None,
) -> BatchReport:
    """Write one draft per supporter into ``options.out_dir``; see the module docstring.

    Setting ``stop`` (from a signal handler, say) ends the run soon after: letters already
    on disk go into the manifest, and the report says ``interrupted``.
    """
    out_dir = options.out_dir
    manifest_path = out_dir / MANIFEST
    done = _previous_run(manifest_path, options)
    out_dir.mkdir(parents=True, exist_ok=True)
    sweep_temporary_files(out_dir)
    report = BatchReport(manifest=manifest_path, already_done=len(done))
    started = time.perf_counter()
    postcodes, to_do = _collect_postcodes(supporters, done)
    report.seconds["scan"] = time.perf_counter() - started
    if on_total:
        on_total(to_do)
    drafter = Drafter(_settings(options), renderer)
    owned_http = http or HttpClient(use_cache=not options.offline)  # offline: touch nothing
    try:
        resolution = resolve_many(
            postcodes,
            offline=options.offline,
            http=owned_http,
            concurrency=options.concurrency,
            with_mps=options.to == "mp",
        )
        expand = _recipients(resolution, options, owned_http, renderer, report)
        report.seconds["lookup"] = time.perf_counter() - started - report.seconds["scan"]
        with resolution:
            _write_letters(
                supporters,
                drafter,
                resolution,
                report,
                done,
                to_do,
                progress=progress,
                stop=stop,
                on_result=on_result,
                expand=expand,
            )
        report.requests = dict(owned_http.requests_sent)
        report.notes[:0] = resolution.notes
    finally:
        if http is None:
            owned_http.close()
        # However the run ends (Ctrl-C, SIGTERM, a bug), no partial letter stays behind.
        sweep_temporary_files(out_dir)
    return report


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


def _settings(options: BatchOptions) -> DraftSettings:
    # A resumed or restarted run owns the drafts already in the folder; a new run must not
    # replace anyone else's files (listed once: a check per letter adds up).
    replaceable = options.resume or options.force
    existing = frozenset() if replaceable else frozenset(p.name for p in options.out_dir.iterdir())
    return DraftSettings(
        out_dir=options.out_dir,
        fmt=options.fmt,
        letter_date=options.letter_date,
        existing=existing,
        keep_letters=options.keep_letters,
        body=_group_body(options.to),
    )


def _group_body(to: str) -> str:
    from actkit.bodies.registry import RECIPIENTS

    group = RECIPIENTS.get(to)
    return (group.body_id or "") if group else ""


def _write_letters(
    supporters: SupporterFile,
    drafter: Drafter,
    resolution: Resolution,
    report: BatchReport,
    done: set[int],
    to_do: int,
    *,
    progress: Progress | None,
    stop: threading.Event | None,
    on_result: Callable[[RowResult], None] | None = None,
    expand: Callable[[Job], list[Job]] | None = None,
) -> None:
    """Pass 2: draft each row's letter, appending its outcome to the manifest in order."""
    writing = time.perf_counter()

    ran_out = threading.Event()

    def jobs() -> Iterator[Job]:
        for supporter in supporters.rows():
            report.rows += 1
            if supporter.row not in done:
                job = locate(supporter, resolution.places)
                yield from expand(job) if expand else (job,)
        ran_out.set()  # every job was handed out: a stop now interrupts nothing

    finished = 0
    rows_finished: set[str] = set()
    with _manifest(report.manifest) as manifest:
        for result in draft_in_order(drafter, _ready_first(jobs(), resolution), stop):
            manifest.writerow(_neutralised(result.cells))
            _count(report, result)
            if on_result is not None:
                on_result(result)
            finished += 1
            # Progress is per row (a row may be several letters, one per representative).
            if progress and result.cells[0] not in rows_finished:
                progress(1)
            rows_finished.add(result.cells[0])
    if expand is None:
        report.interrupted = finished < to_do
    else:
        report.interrupted = stop is not None and stop.is_set() and not ran_out.is_set()
    report.seconds["write"] = time.perf_counter() - writing


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
    if result.status == "skipped":
        report.skipped += 1
    elif result.failure is not None:
        report.failed[result.failure] += 1
    else:
        report.written += 1
        report.constituencies.add(result.gss_code)
        if result.member_id is not None:
            report.mps.add(result.member_id)
        report.offline_rows += result.offline
        report.offline_postcode_rows += result.offline_postcode
        report.with_personal += result.has_personal
        report.text_counts[result.fingerprint] += 1
        if len(result.cells) > 13 and result.cells[11] != "commons":
            report.representatives.add(f"{result.cells[11]}:{result.cells[12]}")
    for warning in result.warnings:
        if warning not in report.notes:
            report.notes.append(warning)


def _previous_run(manifest_path: Path, options: BatchOptions) -> set[int]:
    """Rows finished by an earlier run (for --resume); refuses a used folder otherwise."""
    if not manifest_path.exists():
        return set()
    if options.force:
        _start_over(manifest_path)
        return set()
    if not options.resume:
        raise OutputExists(
            f"{manifest_path.parent} already holds a batch ({MANIFEST}): use "
            "--resume to finish it or --force to start over"
        )
    finished, kept = set(), []
    by_row: dict[int, list[dict[str, str]]] = defaultdict(list)
    for entry in _read_manifest(manifest_path):
        by_row[int(entry["row"])].append(entry)
    for row, entries in by_row.items():
        # A row is finished when every letter of it is (batch --to writes several per row);
        # an unfinished row is redone whole, so its old lines go.
        if all(_finished(manifest_path, entry) for entry in entries):
            finished.add(row)
            kept.extend(entries)
    _rewrite_manifest(manifest_path, kept)  # failed rows are retried: drop their old lines
    return finished


def _finished(manifest_path: Path, entry: dict[str, str]) -> bool:
    written = entry["status"] == "ok" and (manifest_path.parent / entry["file"]).is_file()
    return entry["status"] == "skipped" or written


def _read_manifest(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for entry in csv.DictReader(handle):
            if entry.get("row", "").isdigit() and entry.get("status"):
                yield entry


def _rewrite_manifest(path: Path, entries: list[dict[str, str]]) -> None:
    temporary = path.with_name(f".{path.name}{TEMP_SUFFIX}")
    with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(entries)
    temporary.replace(path)


def _start_over(manifest_path: Path) -> None:
    """--force: remove the letters the old manifest lists (only inside the folder), and it."""
    folder = manifest_path.parent.resolve()
    for entry in _read_manifest(manifest_path):
        name = entry.get("file", "")
        target = (folder / name).resolve()
        if name and target.parent == folder and target.name != MANIFEST:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
    manifest_path.unlink()


def _collect_postcodes(supporters: SupporterFile, done: set[int]) -> tuple[list[str], int]:
    """Distinct valid postcodes in order of first appearance, and how many rows to do."""
    postcodes: dict[str, None] = {}
    to_do = 0
    for row, typed in supporters.postcodes():
        if row in done:
            continue
        to_do += 1
        with contextlib.suppress(ActkitError):
            postcodes[normalise_postcode(typed)] = None
    return list(postcodes), to_do


@contextlib.contextmanager
def _manifest(path: Path) -> Iterator[Any]:
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as handle:
        if new:
            handle.write("\ufeff")  # lets Excel open the UTF-8 file with the right characters
        writer = csv.writer(handle)
        if new:
            writer.writerow(MANIFEST_COLUMNS)
        yield _FlushingWriter(writer, handle)


@dataclass
class _FlushingWriter:
    """Manifest rows reach the disk within a fraction of a second of their letters.

    Flushing after every row would cost a system call per letter. A row lost in a crash
    before its flush is harmless: its letter is simply written again on --resume.
    """

    writer: Any
    handle: IO[str]
    interval: float = 0.2
    _last_flush: float = field(default_factory=time.monotonic)

    def writerow(self, row: list[str]) -> None:
        self.writer.writerow(row)
        now = time.monotonic()
        if now - self._last_flush >= self.interval:
            self.handle.flush()
            self._last_flush = now


def _neutralised(cells: list[str]) -> list[str]:
    """Stop a spreadsheet running a cell as a formula (CSV injection)."""
    return [neutralise_formula(cell) for cell in cells]
