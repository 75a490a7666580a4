"""Drafting a batch's letters: one row in, one file written and one result out.

``batch`` reads the rows, runs the lookups and keeps the manifest; this module turns a
``Job`` (a supporter plus what the lookups found) into a letter on disk and a
``RowResult`` for the manifest and the report.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from actkit.errors import ActkitError, InvalidInput
from actkit.fileio import TEMP_SUFFIX, slug
from actkit.formats.letters import Format, render
from actkit.letters import Letter, LetterRenderer, Sender
from actkit.models import MP, Source
from actkit.postcodes import normalise_postcode
from actkit.text import address_lines

if TYPE_CHECKING:
    import threading
    from datetime import date

    from actkit.bodies.model import Representative
    from actkit.representatives import PlaceAnswer, SeatAnswer
    from actkit.supporters import Supporter


@dataclass(frozen=True, slots=True)
class Job:
    """One row to draft, with its normalised postcode and what the lookups found."""

    supporter: Supporter
    postcode: str | None = None
    postcode_error: str = ""
    place: PlaceAnswer | None = None
    seat: SeatAnswer | None = None
    recipient: Representative | None = None
    """Set for letters to a representative other than the MP (``batch --to``)."""
    recipient_problem: tuple[str, str] | None = None
    """(reason, message) when the postcode has nobody in the chosen ``--to`` group."""


@dataclass(frozen=True, slots=True)
class RowResult:
    """What happened to one row: its manifest cells and what the report counts."""

    cells: list[str]
    failure: str | None = None
    """The reason a failed row failed, for the summary ("unknown postcode", ...)."""
    gss_code: str = ""
    member_id: int | None = None
    offline: bool = False
    offline_postcode: bool = False
    has_personal: bool = False
    fingerprint: bytes = b""
    warnings: tuple[str, ...] = ()
    letter: Letter | None = None
    """The letter itself, when ``DraftSettings.keep_letters`` asks for it (packs)."""

    @property
    def status(self) -> str:
        return self.cells[9]


@dataclass(frozen=True, slots=True)
class DraftSettings:
    """Where and how to write the drafts."""

    out_dir: Path
    fmt: Format
    letter_date: date
    existing: frozenset[str] = frozenset()
    """File names already in the folder that a new run must not replace."""
    keep_letters: bool = False
    body: str = "commons"
    """The body ``--to`` writes to ("" for several): the manifest's ``body`` on failed rows."""


class _RowProblem(ActkitError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Drafter:
    """Turns jobs into letters on disk and results for the manifest."""

    settings: DraftSettings
    renderer: LetterRenderer
    _sent_warnings: set[str] = field(default_factory=set)

    def draft(self, job: Job) -> RowResult:
        result = self._draft_row(job)
        return replace(result, cells=[*result.cells, *self._representative_cells(job, result)])

    def _representative_cells(self, job: Job, result: RowResult) -> list[str]:
        """The manifest's appended ``body``, ``rep_name`` and ``rep_email``."""
        if result.status == "skipped":
            return ["", "", ""]
        if result.status != "ok" or job.seat is None or job.seat.mp is None:
            body = job.recipient.body if job.recipient else self.settings.body
            return [body, "", ""]
        body = job.recipient.body if job.recipient else "commons"
        return [body, job.seat.mp.name, job.seat.mp.email or ""]

    def _draft_row(self, job: Job) -> RowResult:
        supporter = job.supporter
        if supporter.blank:
            return RowResult([str(supporter.row), "", "", "", "", "", "", "", "", "skipped", ""])
        try:
            return self._draft(job)
        except ActkitError as error:
            cells = [str(supporter.row), supporter.name, supporter.postcode]
            message = str(error).split("\n")[0]
            return RowResult([*cells, "", "", "", "", "", "", "failed", message], _reason(error))

    def _draft(self, job: Job) -> RowResult:
        supporter, place, seat = job.supporter, job.place, job.seat
        if not supporter.name:
            raise _RowProblem("empty name", "the name is empty")
        if job.postcode is None:
            raise _RowProblem("malformed postcode", job.postcode_error)
        if place is None or place.problem or place.gss_code is None:
            problem = place.problem if place and place.problem else "no constituency"
            reason = place.reason if place else ""  # a code, when the lookup gave one
            raise _RowProblem(reason or _place_reason(problem), problem)
        if job.recipient_problem:
            raise _RowProblem(*job.recipient_problem)
        if seat is None or seat.mp is None:
            raise _RowProblem("no MP", seat.problem if seat and seat.problem else "no MP")
        settings = self.settings
        if settings.fmt == "eml":
            _check_email_possible(supporter, seat.mp)
        source: Source = "offline" if "offline" in (place.source, seat.source) else "live"
        rep = job.recipient
        letter = self.renderer.render(
            mp=seat.mp,
            constituency=seat.constituency,
            sender=_sender(supporter, job.postcode),
            personal=supporter.personal,
            letter_date=settings.letter_date,
            source=source,
            **({"role": rep.role, "body_id": rep.body} if rep else {}),
        )
        # Several letters per supporter (batch --to): the recipient goes in the name.
        to_whom = f"-{slug(seat.mp.full_title)}" if rep else ""
        name = f"{supporter.row:06d}-{slug(supporter.name)}{to_whom}.{settings.fmt}"
        if name in settings.existing:
            raise _RowProblem("file exists", f"{name} already exists in the folder")
        try:
            write_file(settings.out_dir, name, render(letter, settings.fmt))
        except OSError as error:
            raise _RowProblem(
                "write error", f"cannot write {name}: {error.strerror or error}"
            ) from None
        cells = [
            str(supporter.row),
            supporter.name,
            job.postcode,
            seat.constituency.name,
            (seat.constituency.gss_code if rep else place.gss_code),
            "" if rep else seat.mp.name,
            "" if rep else (seat.mp.email or ""),
            source,
            name,
            "ok",
            "",
        ]
        return RowResult(
            cells,
            None,
            place.gss_code,
            seat.mp.member_id,
            source == "offline",
            place.source == "offline",
            letter.has_personal,
            letter.form_digest,
            self._new_warnings((*seat.warnings, *letter.warnings)),
            letter if settings.keep_letters else None,
        )

    def _new_warnings(self, warnings: tuple[str, ...]) -> tuple[str, ...]:
        """Each warning crosses the process boundary once, not with every row."""
        new = tuple(w for w in warnings if w not in self._sent_warnings)
        self._sent_warnings.update(new)
        return new


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


def write_file(folder: Path, name: str, content: str | bytes) -> None:
    """Atomic write for thousands of small files: a fixed temporary name, then a rename.

    No fsync: losing the last few drafts in a power cut is acceptable (a resume redoes any
    whose file is missing); a half-written draft is not, and the rename rules it out.
    """
    payload = content.encode("utf-8") if isinstance(content, str) else content
    # Plain os calls: pathlib's conveniences cost more than the write on a fast disk.
    directory = os.fspath(folder)
    target = os.path.join(directory, name)  # noqa: PTH118
    temporary = os.path.join(directory, f".{name}{TEMP_SUFFIX}")  # noqa: PTH118
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            remaining = memoryview(payload)
            while remaining:
                remaining = remaining[os.write(descriptor, remaining) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, target)  # noqa: PTH105
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # noqa: PTH108
        raise


def locate(supporter: Supporter, places: dict[str, PlaceAnswer]) -> Job:
    """A job with the row's normalised postcode and place; its seat comes later."""
    if supporter.blank or not supporter.name:
        return Job(supporter)
    try:
        postcode = normalise_postcode(supporter.postcode)
    except ActkitError as error:
        return Job(supporter, None, str(error))
    return Job(supporter, postcode, "", places.get(postcode))


def seat_needed(job: Job) -> str | None:
    """The GSS code whose MP this job waits for, if any."""
    place = job.place
    if job.recipient is not None or job.recipient_problem is not None:
        return None  # batch --to: the representative is already known
    return place.gss_code if place and place.gss_code and not place.problem else None


def with_seat(job: Job, seat_of: Callable[[str], SeatAnswer]) -> Job:
    """The job with its MP's details (waiting for them if need be)."""
    gss = seat_needed(job)
    return replace(job, seat=seat_of(gss)) if gss else job


def draft_in_order(
    drafter: Drafter, jobs: Iterable[Job], stop: threading.Event | None
) -> Iterator[RowResult]:
    """Draft jobs one by one, until they run out or ``stop`` is set."""
    for job in jobs:
        if stop is not None and stop.is_set():
            return
        yield drafter.draft(job)
