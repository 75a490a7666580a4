"""Organiser batches: one draft letter per supporter, each addressed to their own MP.

Two streaming passes over the supporters file: the first collects postcodes so lookups
can be grouped (see ``representatives.resolve_many``), the second renders and writes
each letter and appends its row to ``manifest.csv`` as it finishes. An interrupted run
resumes from the manifest without redoing or duplicating finished rows.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from actkit.errors import ActkitError, ExitCode, InvalidInput, OutputExists
from actkit.fileio import TEMP_SUFFIX, slug, sweep_temporary_files
from actkit.formats.letters import Format, render
from actkit.http import HttpClient
from actkit.letters import (
    DEFAULT_MAX_FACT_AGE_DAYS,
    Letter,
    LetterRenderer,
    Sender,
    markdown_escape,
)
from actkit.models import MP, Source
from actkit.postcodes import normalise_postcode
from actkit.representatives import Resolution, resolve_many
from actkit.supporters import Supporter, SupporterFile
from actkit.text import address_lines, one_line

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
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    from actkit.facts import load_facts
    from actkit.templates import load_template

    supporters = SupporterFile(csv_path)
    renderer = LetterRenderer(
        load_template(options.template, options.campaign),
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
) -> BatchReport:
    """Write one draft per supporter into ``options.out_dir``; see the module docstring.

    Setting ``stop`` (from a signal handler, say) ends the run at the next row: letters
    already on disk go into the manifest, and the report says ``interrupted``.
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
    owned_http = http or HttpClient()
    try:
        resolution = resolve_many(
            postcodes, offline=options.offline, http=owned_http, concurrency=options.concurrency
        )
        report.seconds["lookup"] = time.perf_counter() - started - report.seconds["scan"]
        with resolution:
            _write_letters(
                supporters,
                renderer,
                options,
                resolution,
                report,
                done,
                progress=progress,
                stop=stop,
            )
        report.requests = dict(owned_http.requests_sent)
    finally:
        if http is None:
            owned_http.close()
    report.notes[:0] = resolution.notes
    return report


def _write_letters(
    supporters: SupporterFile,
    renderer: LetterRenderer,
    options: BatchOptions,
    resolution: Resolution,
    report: BatchReport,
    done: set[int],
    *,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    """Pass 2: render each row's letter and write it, appending to the manifest in order."""
    out_dir, manifest_path = options.out_dir, report.manifest
    writing = time.perf_counter()
    drafts = _LetterWriter(renderer, options, resolution, report)
    try:
        with _manifest(manifest_path) as manifest, _DiskWriter() as disk:

            def record(finished: Iterator[_Draft]) -> None:
                for draft in finished:
                    manifest.writerow(_neutralised(drafts.finish(draft)))
                    if progress:
                        progress(1)

            try:
                for supporter in supporters.rows():
                    if stop is not None and stop.is_set():
                        report.interrupted = True
                        break
                    report.rows += 1
                    if supporter.row not in done:
                        record(disk.submit(drafts.draft(supporter)))
            except KeyboardInterrupt:
                record(disk.salvage())  # every letter already on disk goes in the manifest
                raise
            record(disk.salvage() if report.interrupted else disk.drain())
    finally:
        # However the run ends (Ctrl-C, SIGTERM, a bug), no partial letter stays behind.
        sweep_temporary_files(out_dir)
    report.seconds["write"] = time.perf_counter() - writing


@dataclass(slots=True)
class _Draft:
    """One row's outcome: its manifest cells and, for a letter, what to write where."""

    cells: list[str]
    path: Path | None = None
    content: str | bytes | None = None
    letter: Letter | None = None
    gss_code: str = ""
    offline_postcode: bool = False
    write_error: OSError | None = None


class _DiskWriter:
    """Writes drafts on a background thread so rendering does not wait for the disk.

    Rows come back in their original order, each only once its file is in place, so the
    manifest never lists a letter that is not on disk. At most ``WINDOW`` drafts wait.
    """

    WINDOW = 256

    def __enter__(self) -> _DiskWriter:
        self._todo: queue.Queue[_Draft | None] = queue.Queue(maxsize=self.WINDOW)
        self._done: queue.SimpleQueue[_Draft] = queue.SimpleQueue()
        self._in_flight = 0
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._work, name="actkit-write", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            self._cancelled.set()  # an interrupt: drop what has not been written yet
        self._todo.put(None)
        self._thread.join()

    def _work(self) -> None:
        while (draft := self._todo.get()) is not None:
            if draft.path is not None and draft.content is not None:
                if self._cancelled.is_set():
                    draft.write_error = InterruptedError("interrupted")
                else:
                    try:
                        _write_file(draft.path, draft.content)
                    except OSError as error:
                        draft.write_error = error
            draft.content = None  # on disk now; do not keep the text
            self._done.put(draft)

    def submit(self, draft: _Draft) -> Iterator[_Draft]:
        self._todo.put(draft)
        self._in_flight += 1
        yield from self._collect(block=False)

    def drain(self) -> Iterator[_Draft]:
        yield from self._collect(block=True)

    def salvage(self) -> Iterator[_Draft]:
        """After an interrupt: keep what is written, drop what is not."""
        self._cancelled.set()
        for draft in self._collect(block=True):
            if not isinstance(draft.write_error, InterruptedError):
                yield draft

    def _collect(self, *, block: bool) -> Iterator[_Draft]:
        while self._in_flight:
            try:
                draft = self._done.get(block=block)
            except queue.Empty:
                return
            self._in_flight -= 1
            yield draft


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
    for entry in _read_manifest(manifest_path):
        written = entry["status"] == "ok" and (manifest_path.parent / entry["file"]).is_file()
        if entry["status"] == "skipped" or written:
            finished.add(int(entry["row"]))
            kept.append(entry)
    _rewrite_manifest(manifest_path, kept)  # failed rows are retried: drop their old lines
    return finished


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
    for supporter in supporters.rows():
        if supporter.row in done:
            continue
        to_do += 1
        with contextlib.suppress(ActkitError):
            postcodes[normalise_postcode(supporter.postcode)] = None
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
    return [f"'{cell}" if cell.startswith(FORMULA_START) else cell for cell in cells]


class _LetterWriter:
    """Renders and writes one supporter's letter; records the outcome in the report."""

    def __init__(
        self,
        renderer: LetterRenderer,
        options: BatchOptions,
        resolution: Resolution,
        report: BatchReport,
    ) -> None:
        self._renderer = renderer
        self._options = options
        self._resolution = resolution
        self._report = report
        self._extension = options.fmt
        # A resumed or restarted run owns the drafts already in the folder; a new run must
        # not replace anyone else's files (listed once: one stat per letter adds up).
        self._may_replace = options.resume or options.force
        self._existing = set() if self._may_replace else {p.name for p in options.out_dir.iterdir()}
        self._warned: set[str] = set()

    def draft(self, supporter: Supporter) -> _Draft:
        """Render one supporter's letter (or say why not); writing happens elsewhere."""
        if supporter.blank:
            return _Draft([str(supporter.row), "", "", "", "", "", "", "", "", "skipped", ""])
        try:
            return self._draft(supporter)
        except ActkitError as error:
            return self._failed(supporter, _reason(error), str(error).split("\n")[0])

    def finish(self, draft: _Draft) -> list[str]:
        """Count a row whose file (if any) is now on disk; return its manifest cells."""
        report = self._report
        if draft.write_error is not None:
            report.failed["write error"] += 1
            problem = draft.write_error.strerror or str(draft.write_error)
            return [
                *draft.cells[:3],
                "",
                "",
                "",
                "",
                "",
                "",
                "failed",
                f"cannot write {draft.cells[8]}: {problem}",
            ]
        if draft.cells[9] == "skipped":
            report.skipped += 1
        elif draft.letter is not None:
            self._record(draft.letter, draft.gss_code)
            report.offline_postcode_rows += draft.offline_postcode
        return draft.cells

    def _failed(self, supporter: Supporter, reason: str, message: str) -> _Draft:
        self._report.failed[reason] += 1
        cells = [str(supporter.row), supporter.name, supporter.postcode]
        return _Draft([*cells, "", "", "", "", "", "", "failed", message])

    def _draft(self, supporter: Supporter) -> _Draft:
        if not supporter.name:
            raise _RowProblem("empty name", "the name is empty")
        postcode = normalise_postcode(supporter.postcode)
        place = self._resolution.places[postcode]
        if place.problem or place.gss_code is None:
            raise _RowProblem(
                _place_reason(place.problem or ""), place.problem or "no constituency"
            )
        seat = self._resolution.seat(place.gss_code)
        if seat.mp is None:
            raise _RowProblem("no MP", seat.problem or "no MP")
        if self._options.fmt == "eml":
            _check_email_possible(supporter, seat.mp)
        source: Source = "offline" if "offline" in (place.source, seat.source) else "live"
        letter = self._renderer.render(
            mp=seat.mp,
            constituency=seat.constituency,
            sender=_sender(supporter, postcode),
            personal=supporter.personal,
            letter_date=self._options.letter_date,
            source=source,
        )
        name = f"{supporter.row:06d}-{slug(supporter.name)}.{self._extension}"
        path = self._options.out_dir / name
        if name in self._existing:
            raise _RowProblem("file exists", f"{name} already exists in the folder")
        cells = [
            str(supporter.row),
            supporter.name,
            postcode,
            seat.constituency.name,
            place.gss_code,
            seat.mp.name,
            seat.mp.email or "",
            source,
            name,
            "ok",
            "",
        ]
        return _Draft(
            cells,
            path,
            render(letter, self._options.fmt),
            letter,
            place.gss_code,
            place.source == "offline",
        )

    def _record(self, letter: Letter, gss: str) -> None:
        report = self._report
        report.written += 1
        report.constituencies.add(gss)
        if letter.mp.member_id is not None:
            report.mps.add(letter.mp.member_id)
        report.offline_rows += letter.source == "offline"
        report.with_personal += letter.has_personal
        report.text_counts[_fingerprint(letter)] += 1
        for warning in letter.warnings:
            if warning not in self._warned:
                self._warned.add(warning)
                report.notes.append(warning)


class _RowProblem(ActkitError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _reason(error: ActkitError) -> str:
    if isinstance(error, _RowProblem):
        return error.reason
    if isinstance(error, InvalidInput) and "postcode" in str(error):
        return "malformed postcode"
    return type(error).__name__


def _place_reason(problem: str) -> str:
    if "no MP at Westminster" in problem:
        return "no Westminster MP"
    if "not a postcode in use" in problem or "no longer in use" in problem:
        return "unknown postcode"
    return "no constituency"


def _check_email_possible(supporter: Supporter, mp: MP) -> None:
    if not supporter.email:
        raise _RowProblem("no supporter email", "an .eml needs the supporter's email address")
    if not mp.email:
        raise _RowProblem(
            "MP has no email",
            f"{mp.full_title} has no email address listed: send this one as a printed letter",
        )


def _sender(supporter: Supporter, postcode: str) -> Sender:
    return Sender(
        name=supporter.name,
        address=address_lines(supporter.address),
        postcode=postcode,
        email=supporter.email or None,
    )


def _fingerprint(letter: Letter) -> bytes:
    """The letter's words with the sender's and MP's names and addresses taken out."""
    sender = letter.sender
    values = {
        _escaped(v) for v in (sender.name, *sender.address, sender.postcode, sender.email) if v
    }
    values.update(_mp_values(letter.mp, letter.constituency.name))
    text = letter.body
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "")
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _escaped(value: str) -> str:
    return markdown_escape(one_line(value))


@functools.lru_cache(maxsize=1024)
def _mp_values(mp: MP, constituency: str) -> frozenset[str]:
    return frozenset(
        _escaped(v) for v in (mp.name, mp.full_title, mp.address_as, constituency) if v
    )


def _write_file(path: Path, content: str | bytes) -> None:
    """Atomic write for thousands of small files: a fixed temporary name, then a rename.

    No fsync: losing the last few drafts in a power cut is acceptable (a resume redoes any
    whose file is missing); a half-written draft is not, and the rename rules it out.
    """
    payload = content.encode("utf-8") if isinstance(content, str) else content
    temporary = path.with_name(f".{path.name}{TEMP_SUFFIX}")
    try:
        with temporary.open("wb") as handle:
            handle.write(payload)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
