"""Drafting a batch's letters: one row in, one file written and one result out.

``batch`` reads the rows, runs the lookups and keeps the manifest; this module turns a
``Job`` (a supporter plus what the lookups found) into a letter on disk and a
``RowResult`` for the manifest and the report.

Whatever goes wrong with one row (including errors nobody foresaw) fails that row, with a
reason code for the summary and a message for the manifest. Only problems that would fail
every row stop the run: ``BatchStopped`` (the output folder or the disk).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from actkit.emails import check_email
from actkit.errors import ActkitError, InvalidInput
from actkit.fileio import TEMP_SUFFIX, slug
from actkit.formats.letters import Format, encoded
from actkit.letters import Letter, LetterRenderer, Sender, require_words
from actkit.models import MP, Source
from actkit.postcodes import normalise_postcode
from actkit.text import address_lines

if TYPE_CHECKING:
    from datetime import date

    from actkit.bodies.model import Representative
    from actkit.representatives import PlaceAnswer, SeatAnswer
    from actkit.supporters import Supporter


class _Code(str, Enum):
    """A code that is its text wherever it is shown (StrEnum needs Python 3.11)."""

    def __str__(self) -> str:
        return str(self.value)


class Status(_Code):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class Reason(_Code):
    """Why a row failed or was skipped: the summary counts these codes."""

    EMPTY_NAME = "empty name"
    MALFORMED_POSTCODE = "malformed postcode"
    UNKNOWN_POSTCODE = "unknown postcode"
    NO_WESTMINSTER_MP = "no Westminster MP"
    NO_CONSTITUENCY = "no constituency"
    NO_MP = "no MP"
    NO_SUPPORTER_EMAIL = "no supporter email"
    MP_HAS_NO_EMAIL = "MP has no email"
    FILE_EXISTS = "file exists"
    WRITE_ERROR = "write error"
    UNEXPECTED = "unexpected error"
    BLANK = "blank row"
    DUPLICATE = "duplicate"


NO_PERSONAL_WORDS = "no personal words"
"""The row warning for a letter without the supporter's own words."""

# Errors of one file name, not of the folder or the disk: they fail one row.
_ONE_FILE_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ, errno.EISDIR})


class BatchStopped(InvalidInput):
    """A problem every row would meet (the output folder, the disk): the run stops."""


@dataclass(frozen=True, slots=True)
class Job:
    """One row to draft, with its normalised postcode and what the lookups found."""

    supporter: Supporter
    postcode: str | None = None
    postcode_error: str = ""
    place: PlaceAnswer | None = None
    seat: SeatAnswer | None = None
    duplicate_of: int | None = None
    """The earlier row with the same name and postcode, if any."""
    lookup_error: str = ""
    """An unforeseen error while the row's MP was looked up (it fails this row only)."""
    recipient: Representative | None = None
    """Set for letters to a representative other than the MP (``batch --to``)."""
    recipient_problem: tuple[str, str] | None = None
    """(reason, message) when the postcode has nobody in the chosen ``--to`` group."""


@dataclass(frozen=True, slots=True)
class RowResult:
    """What happened to one row: its manifest cells and what the report counts."""

    status: Status
    cells: dict[str, str]
    """Manifest cells by column name (``status`` is the field above)."""
    reason: str | None = None
    """Why a failed or skipped row was (``Reason`` or an error's ``reason``)."""
    gss_code: str = ""
    member_id: int | None = None
    offline: bool = False
    offline_postcode: bool = False
    has_personal: bool = False
    warnings: tuple[str, ...] = ()
    """Batch-wide warnings met for the first time (a stale fact), for the report."""
    letter: Letter | None = None
    """The letter itself, when ``DraftSettings.keep_letters`` asks for it (packs)."""

    @property
    def manifest_cells(self) -> dict[str, str]:
        return {**self.cells, "status": self.status.value}


@dataclass(frozen=True, slots=True)
class DraftSettings:
    """Where and how to write the drafts."""

    out_dir: Path
    fmt: Format
    letter_date: date
    protected: frozenset[str] = frozenset()
    """Files (relative to ``out_dir``) a letter must not replace: the organiser's own, or
    letters an earlier run wrote for other rows."""
    shard_size: int = 0
    """Rows per subfolder; 0 writes every letter into ``out_dir`` itself."""
    keep_letters: bool = False
    body: str = "commons"
    """The body ``--to`` writes to ("" for several): the manifest's ``body`` on failed rows."""


def shard_folder(row: int, size: int) -> str:
    """The subfolder for a row: "rows-001000-001999" holds rows 1,000 to 1,999."""
    start = row // size * size
    return f"rows-{start:06d}-{start + size - 1:06d}"


class _RowProblem(ActkitError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.row_reason = reason


@dataclass
class Drafter:
    """Turns jobs into letters on disk and results for the manifest."""

    settings: DraftSettings
    renderer: LetterRenderer
    _sent_warnings: set[str] = field(default_factory=set)
    _folders: dict[str, str] = field(default_factory=dict)
    """Each shard folder made so far, as the path its letters are written to."""

    def draft(self, job: Job) -> RowResult:
        supporter = job.supporter
        if supporter.blank:
            return RowResult(Status.SKIPPED, {"row": str(supporter.row)}, Reason.BLANK)
        if job.duplicate_of is not None:
            message = f"duplicate of row {job.duplicate_of}"
            return RowResult(Status.SKIPPED, _row_cells(supporter, message), Reason.DUPLICATE)
        try:
            return self._draft(job)
        except BatchStopped:
            raise
        except ActkitError as error:
            return self._failed(job, _reason(error), str(error).split("\n")[0])
        except MemoryError:
            raise
        except Exception as error:  # a bug, but one row's bug: the batch goes on
            message = f"unexpected error ({type(error).__name__}: {error}); please report it"
            return self._failed(job, Reason.UNEXPECTED, message.split("\n")[0])

    def _failed(self, job: Job, reason: str, message: str) -> RowResult:
        body = job.recipient.body if job.recipient else self.settings.body
        cells = {**_row_cells(job.supporter, message), "body": body}
        return RowResult(Status.FAILED, cells, reason)

    def _draft(self, job: Job) -> RowResult:
        supporter, place, seat = job.supporter, job.place, job.seat
        if not supporter.name:
            raise _RowProblem(Reason.EMPTY_NAME, "the name is empty")
        if supporter.email:
            check_email(supporter.email, what="supporter's email address")  # InvalidEmail
        if job.lookup_error:
            raise _RowProblem(Reason.UNEXPECTED, job.lookup_error)
        if job.postcode is None:
            raise _RowProblem(Reason.MALFORMED_POSTCODE, job.postcode_error)
        if place is None or place.problem or place.gss_code is None:
            problem = place.problem if place and place.problem else "no constituency"
            raise _RowProblem(_place_reason(place), problem)
        if job.recipient_problem:
            raise _RowProblem(*job.recipient_problem)
        if seat is None or seat.mp is None:
            raise _RowProblem(Reason.NO_MP, seat.problem if seat and seat.problem else "no MP")
        settings = self.settings
        if settings.fmt == "eml":
            _check_email_possible(supporter, seat.mp)
        source: Source = "offline" if "offline" in (place.source, seat.source) else "live"
        rep = job.recipient
        letter = require_words(
            self.renderer.render(
                mp=seat.mp,
                constituency=seat.constituency,
                sender=_sender(supporter, job.postcode),
                personal=supporter.personal,
                letter_date=settings.letter_date,
                source=source,
                **({"role": rep.role, "body_id": rep.body} if rep else {}),
            )
        )
        # Several letters per supporter (batch --to): the recipient goes in the name.
        name = self._write(supporter, letter, f"-{slug(seat.mp.full_title)}" if rep else "")
        cells = {
            "row": str(supporter.row),
            "name": supporter.name,
            "postcode": job.postcode,
            "constituency": seat.constituency.name,
            "gss_code": seat.constituency.gss_code if rep else place.gss_code,
            "mp_name": "" if rep else seat.mp.name,
            "mp_email": "" if rep else (seat.mp.email or ""),
            "source": source,
            "file": name,
            "body": rep.body if rep else "commons",
            "rep_name": seat.mp.name,
            "rep_email": seat.mp.email or "",
            "row_digest": supporter.digest,
            "text_digest": letter.form_digest.hex(),
            # What this row's reader should know: no words of their own; the seat changed.
            "warnings": "; ".join(
                [*(() if letter.has_personal else (NO_PERSONAL_WORDS,)), *seat.warnings]
            ),
        }
        return RowResult(
            Status.OK,
            cells,
            None,
            place.gss_code,
            seat.mp.member_id,
            source == "offline",
            place.source == "offline",
            letter.has_personal,
            self._new_warnings((*seat.warnings, *letter.warnings)),
            letter if settings.keep_letters else None,
        )

    def _write(self, supporter: Supporter, letter: Letter, to_whom: str) -> str:
        """Write the letter; return its path relative to the output folder."""
        settings = self.settings
        folder = shard_folder(supporter.row, settings.shard_size) if settings.shard_size else ""
        name = self._free_name(folder, supporter, to_whom)
        directory = self._folders.get(folder)
        try:
            if directory is None:
                path = settings.out_dir / folder if folder else settings.out_dir
                path.mkdir(mode=0o700, exist_ok=True)
                directory = self._folders[folder] = os.fspath(path)
            write_file(directory, name, encoded(letter, settings.fmt))
        except OSError as error:
            problem = error.strerror or str(error)
            if error.errno in _ONE_FILE_ERRNOS:
                raise _RowProblem(Reason.WRITE_ERROR, f"cannot write {name}: {problem}") from None
            raise BatchStopped(
                f"cannot write to {settings.out_dir / folder if folder else settings.out_dir}: "
                f"{problem}; fix that and run the same command "
                "with --resume to finish the batch"
            ) from None
        return f"{folder}/{name}" if folder else name

    def _free_name(self, folder: str, supporter: Supporter, to_whom: str) -> str:
        """``000042-alex-example.txt``, or with the row's digest added if that is taken."""
        stem = f"{supporter.row:06d}-{slug(supporter.name)}{to_whom}"
        fmt = self.settings.fmt
        protected = self.settings.protected
        name = f"{stem}.{fmt}"
        if (f"{folder}/{name}" if folder else name) not in protected:
            return name
        name = f"{stem}-{supporter.digest[:8]}.{fmt}"
        if (f"{folder}/{name}" if folder else name) not in protected:
            return name
        raise _RowProblem(Reason.FILE_EXISTS, f"{stem}.{fmt} already exists in the folder")

    def _new_warnings(self, warnings: tuple[str, ...]) -> tuple[str, ...]:
        """Each batch-wide warning is reported once, not with every row."""
        new = tuple(w for w in warnings if w not in self._sent_warnings)
        self._sent_warnings.update(new)
        return new


def _row_cells(supporter: Supporter, error: str) -> dict[str, str]:
    return {
        "row": str(supporter.row),
        "name": supporter.name,
        "postcode": supporter.postcode,
        "error": error,
        "row_digest": supporter.digest,
    }


def _reason(error: ActkitError) -> str:
    if isinstance(error, _RowProblem):
        return error.row_reason
    return error.reason or type(error).__name__


def _place_reason(place: PlaceAnswer | None) -> str:
    """The answer's own reason code; a place found with no constituency has none."""
    if place is not None and place.reason:
        return place.reason
    return Reason.NO_CONSTITUENCY


def _check_email_possible(supporter: Supporter, mp: MP) -> None:
    if not supporter.email:
        raise _RowProblem(Reason.NO_SUPPORTER_EMAIL, "an .eml needs the supporter's email address")
    if not mp.email:
        raise _RowProblem(
            Reason.MP_HAS_NO_EMAIL,
            f"{mp.full_title} has no email address listed: send this one as a printed letter",
        )


def _sender(supporter: Supporter, postcode: str) -> Sender:
    return Sender(
        name=supporter.name,
        address=address_lines(supporter.address),
        postcode=postcode,
        email=supporter.email or None,
    )


def write_file(folder: Path | str, name: str, content: str | bytes) -> None:
    """Atomic write for thousands of small files: a fixed temporary name, then a rename.

    No fsync: losing the last few drafts in a power cut is acceptable (a resume redoes any
    whose file is missing); a half-written draft is not, and the rename rules it out.
    Drafts hold a supporter's name and address: readable by their owner only.
    """
    payload = content.encode("utf-8") if isinstance(content, str) else content
    # Plain os calls: pathlib's conveniences cost more than the write on a fast disk.
    directory = os.fspath(folder)
    target = os.path.join(directory, name)  # noqa: PTH118  # see above: speed
    temporary = os.path.join(directory, f".{name}{TEMP_SUFFIX}")  # noqa: PTH118  # speed
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            remaining = memoryview(payload)
            while remaining:
                remaining = remaining[os.write(descriptor, remaining) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, target)  # noqa: PTH105  # speed, as above
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # noqa: PTH108  # speed, as above
        raise


def locate(
    supporter: Supporter, places: dict[str, PlaceAnswer], duplicate_of: int | None = None
) -> Job:
    """A job with the row's normalised postcode and place; its seat comes later."""
    if supporter.blank or not supporter.name or duplicate_of is not None:
        return Job(supporter, duplicate_of=duplicate_of)
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
    if not gss:
        return job
    try:
        seat = seat_of(gss)
    except Exception as error:  # a bug in one MP's lookup: that MP's rows fail, not the batch
        message = f"unexpected error looking up the MP ({type(error).__name__}: {error})"
        return replace(job, lookup_error=f"{message}; please report it")
    # Built directly: dataclasses.replace costs several times more, once per letter.
    return Job(
        job.supporter,
        job.postcode,
        job.postcode_error,
        job.place,
        seat,
        job.duplicate_of,
        job.lookup_error,
        job.recipient,
        job.recipient_problem,
    )
