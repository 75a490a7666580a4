"""The letter log: what was written to whom, what was sent, what was answered.

A SQLite database under ``ACTKIT_HOME`` (see ``paths.log_file``), in WAL mode with a busy
timeout so that several actkit processes can use it at once. Its schema lives in
``actkit.migrations``. Nothing in it ever leaves the machine; ``forget`` deletes and then
VACUUMs, so deleted letters do not linger in free pages.

Letters move ``drafted`` → ``sent`` → ``replied``, or ``sent`` → ``chased`` (a follow-up
was written) → ``replied``. Ids are shown as ``L`` and a number.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from actkit.errors import InvalidInput, NoAnswer
from actkit.fileio import make_private_dir
from actkit.migrations import MIGRATIONS, Migration, migrate

if TYPE_CHECKING:
    from actkit.letters import Letter

Status = Literal["drafted", "sent", "replied", "chased"]
STATUSES: tuple[Status, ...] = ("drafted", "sent", "replied", "chased")
Via = Literal["email", "post", "hand"]
VIAS: tuple[Via, ...] = ("email", "post", "hand")
DEFAULT_BODY = "commons"
BUSY_TIMEOUT_SECONDS = 30.0
"""How long a writer waits for another process's write to finish."""

Day = date
"""``date`` under another name, for classes with a field called ``date``."""

_ID = re.compile(r"[Ll]?(\d{1,12})")


class LetterNotFound(NoAnswer):
    """No letter in the log has this id."""


def parse_letter_id(text: str) -> int:
    """``L12``, ``l12`` or ``12`` → 12."""
    match = _ID.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(f"{text!r} is not a letter id: ids look like L1, L2, ...")
    return int(match.group(1))


def label(letter_id: int) -> str:
    return f"L{letter_id}"


def digest(content: str | bytes) -> str:
    """SHA-256 of the letter exactly as written, to tell later whether a file was changed."""
    payload = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(payload).hexdigest()


def now_local() -> str:
    """The time now, with its UTC offset: local, so that its first ten characters are the
    day the user saw (``--since`` and ``--before`` compare days)."""
    return datetime.now(timezone.utc).astimezone().replace(microsecond=0).isoformat()


@functools.lru_cache(maxsize=4096)
def _chase_date(sent_on: date, after_working_days: int, nation_id: str) -> date:
    # A batch's letters share a few sending days: count each day's working days once.
    from actkit.workdays import add_working_days

    return add_working_days(sent_on, after_working_days, nation_id)


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    constituency: str
    gss_code: str
    body: str = DEFAULT_BODY
    """The legislature: "commons", or a devolved body."""
    member_id: int | None = None
    party: str | None = None
    details: dict[str, Any] | None = field(default=None, compare=False)
    """Everything needed to address another letter to them (public contact details)."""

    @property
    def role(self) -> str:
        """ "MP", "constituency MSP", "MS", ...: as the letter named them."""
        role = (self.details or {}).get("role")
        return role if isinstance(role, str) and role else "MP"

    def to_json(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "name": self.name,
            "member_id": self.member_id,
            "party": self.party,
            "constituency": self.constituency,
            "gss_code": self.gss_code,
        }


@dataclass(frozen=True, slots=True)
class NewLetter:
    """A letter to record, as ``letter write``, ``letter batch`` or ``chase`` wrote it."""

    date: Day
    template: str
    subject: str
    recipient: Recipient
    sender_name: str
    format: str
    digest: str
    file: str | None = None
    campaign: str | None = None
    sender: dict[str, Any] | None = None
    """The sender's own details, kept so a follow-up can be signed the same way (single
    letters only: supporters' addresses in a batch stay in the organiser's spreadsheet)."""
    batch_row: int | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    on: date
    via: str | None


@dataclass(frozen=True, slots=True)
class Replied:
    on: date
    summary: str | None
    file: str | None


@dataclass(frozen=True, slots=True)
class LoggedLetter:
    id: int
    written: datetime
    date: Day
    template: str
    subject: str
    recipient: Recipient
    sender_name: str
    format: str
    digest: str
    status: Status
    file: str | None = None
    campaign: str | None = None
    sender: dict[str, Any] | None = None
    sent: Sent | None = None
    replied: Replied | None = None
    chased_by: int | None = None
    follows: int | None = None
    batch: str | None = None
    batch_row: int | None = None

    @property
    def label(self) -> str:
        return label(self.id)

    @property
    def nation_id(self) -> str:
        """The sender's nation (their representative's seat is in it): its bank holidays
        decide when a reply is due."""
        from actkit import nations

        nation = nations.by_gss_code(self.recipient.gss_code)
        return nation.id if nation else "england"

    def chase_date(self, after_working_days: int) -> Day | None:
        """The day a sent letter without a reply is due a chase; None otherwise."""
        if self.sent is None or self.replied is not None:
            return None
        return _chase_date(self.sent.on, after_working_days, self.nation_id)

    def to_json(self) -> dict[str, Any]:
        """The stable shape of ``actkit log --json`` (keys are a contract)."""
        return {
            "id": self.label,
            "status": self.status,
            "written": self.written.isoformat(),
            "date": self.date.isoformat(),
            "template": self.template,
            "campaign": self.campaign,
            "subject": self.subject,
            "to": self.recipient.to_json(),
            "sent": {"on": self.sent.on.isoformat(), "via": self.sent.via} if self.sent else None,
            "replied": (
                {
                    "on": self.replied.on.isoformat(),
                    "summary": self.replied.summary,
                    "file": self.replied.file,
                }
                if self.replied
                else None
            ),
            "chased_by": label(self.chased_by) if self.chased_by else None,
            "follows": label(self.follows) if self.follows else None,
            "format": self.format,
            "file": self.file,
            "batch": {"folder": self.batch, "row": self.batch_row} if self.batch else None,
        }

    def to_record(self) -> dict[str, Any]:
        """Everything kept about the letter, for ``log export``."""
        return {**self.to_json(), "sender_name": self.sender_name, "digest": self.digest}


@dataclass(frozen=True, slots=True)
class BatchRecord:
    folder: Path
    template: str
    campaign: str | None
    rows: int
    written: int
    failed: int
    skipped: int


_SELECT = """
    SELECT letters.*, batches.folder AS batch_folder
    FROM letters LEFT JOIN batches ON batches.id = letters.batch_id
"""


class Logbook:
    """The letter log, open. Use as a context manager, or call ``close``."""

    def __init__(self, path: Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = path
        make_private_dir(path.parent)  # the log holds names and addresses: owner only
        _create_private(path)
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), so a writer
        # takes the lock before reading what it will change.
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            # Deleted letters are overwritten with zeros, not just unlinked (some builds
            # default to off).
            self._db.execute("PRAGMA secure_delete = ON")
            self.schema_version = migrate(self._db, migrations)
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise InvalidInput(f"{path}: cannot open the letter log: {error}") from None
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> Logbook:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- recording --------------------------------------------------------------------

    def add(self, letter: NewLetter, *, follows: int | None = None) -> int:
        """Record one letter; with ``follows``, as the follow-up of that (now chased) one."""
        with self._writing() as db:
            letter_id = _insert(db, letter, batch_id=None, written=now_local(), follows=follows)
            if follows is not None:
                db.execute(
                    "UPDATE letters SET status = 'chased', chased_by = ? WHERE id = ?",
                    (letter_id, follows),
                )
        return letter_id

    def record_batch(
        self, batch: BatchRecord, letters: Iterable[NewLetter], *, restart: bool = False
    ) -> int:
        """Record a batch and its letters, keyed by (folder, row): a resumed batch adds only
        the rows it wrote now. ``restart`` (``--force``) forgets the old run's letters.
        Returns how many letters were added."""
        folder = str(batch.folder.resolve())
        stamp = now_local()
        with self._writing() as db:
            if restart:
                db.execute("DELETE FROM batches WHERE folder = ?", (folder,))
            db.execute(
                """
                INSERT INTO batches
                    (folder, template, campaign, created, updated, rows, written, failed, skipped)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (folder) DO UPDATE SET
                    template = excluded.template, campaign = excluded.campaign,
                    updated = excluded.updated, rows = excluded.rows,
                    written = excluded.written, failed = excluded.failed,
                    skipped = excluded.skipped
                """,
                (
                    folder,
                    batch.template,
                    batch.campaign,
                    stamp,
                    stamp,
                    batch.rows,
                    batch.written,
                    batch.failed,
                    batch.skipped,
                ),
            )
            batch_id = db.execute("SELECT id FROM batches WHERE folder = ?", (folder,)).fetchone()[
                0
            ]
            before = db.total_changes
            for letter in letters:
                _insert(db, letter, batch_id=batch_id, written=stamp, ignore_existing=True)
            return db.total_changes - before

    # --- reading ----------------------------------------------------------------------

    def get(self, letter_id: int) -> LoggedLetter:
        row = self._db.execute(f"{_SELECT} WHERE letters.id = ?", (letter_id,)).fetchone()
        if row is None:
            raise LetterNotFound(f"no letter {label(letter_id)} in the log (see `actkit log`)")
        return _from_row(row)

    def letters(
        self,
        *,
        status: str | None = None,
        to: str | None = None,
        campaign: str | None = None,
        since: date | None = None,
        batch: Path | None = None,
    ) -> list[LoggedLetter]:
        """Letters, oldest first, filtered by status, recipient (name or constituency, any
        part, any case), campaign, the day they were written and batch folder."""
        clauses, values = _filters(status=status, to=to, campaign=campaign, since=since)
        if batch is not None:
            clauses.append("batches.folder = ?")
            values.append(str(batch.resolve()))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.execute(f"{_SELECT}{where} ORDER BY letters.id", values)
        return [_from_row(row) for row in rows]

    def by_file(self, path: Path) -> LoggedLetter | None:
        """The latest letter written to ``path``, if the log has one."""
        row = self._db.execute(
            f"{_SELECT} WHERE letters.file = ? ORDER BY letters.id DESC LIMIT 1",
            (str(path.resolve()),),
        ).fetchone()
        return _from_row(row) if row is not None else None

    def has_batch(self, folder: Path) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM batches WHERE folder = ?", (str(folder.resolve()),)
        ).fetchone()
        return found is not None

    def chase_list(self, *, today: date, after: int) -> list[tuple[LoggedLetter, date]]:
        """Sent letters with no reply whose chase date has come, oldest sent first."""
        due = []
        for letter in self.letters(status="sent"):
            when = letter.chase_date(after)
            if when is not None and when <= today:
                due.append((letter, when))
        return sorted(
            due, key=lambda pair: (pair[0].sent.on if pair[0].sent else today, pair[0].id)
        )

    # --- status -----------------------------------------------------------------------

    def mark_sent(self, letter_id: int, *, on: date, via: str | None) -> LoggedLetter:
        letter = self.get(letter_id)
        with self._writing() as db:
            # A letter already answered or chased keeps that status; its sending is noted.
            status = "sent" if letter.status in ("drafted", "sent") else letter.status
            db.execute(
                "UPDATE letters SET status = ?, sent_on = ?, sent_via = ? WHERE id = ?",
                (status, on.isoformat(), via, letter_id),
            )
        return self.get(letter_id)

    def mark_replied(
        self, letter_id: int, *, on: date, summary: str | None, file: str | None
    ) -> LoggedLetter:
        self.get(letter_id)
        with self._writing() as db:
            db.execute(
                """UPDATE letters SET status = 'replied', replied_on = ?, reply_summary = ?,
                   reply_file = ? WHERE id = ?""",
                (on.isoformat(), summary, file, letter_id),
            )
        return self.get(letter_id)

    def mark_batch_sent(
        self, folder: Path, rows: Iterable[int], *, on: date, via: str | None
    ) -> tuple[int, list[int]]:
        """Mark the batch's letters for these manifest rows as sent.

        Returns how many were marked and the rows the log has no letter for."""
        if not self.has_batch(folder):
            raise NoAnswer(
                f"{folder} is not a batch in the log (was it written with --no-log, or "
                "before logging began?)"
            )
        marked, missing = 0, []
        with self._writing() as db:
            batch_id = db.execute(
                "SELECT id FROM batches WHERE folder = ?", (str(folder.resolve()),)
            ).fetchone()[0]
            for row in sorted(set(rows)):
                cursor = db.execute(
                    """UPDATE letters SET sent_on = ?, sent_via = ?,
                       status = CASE WHEN status = 'drafted' THEN 'sent' ELSE status END
                       WHERE batch_id = ? AND batch_row = ?""",
                    (on.isoformat(), via, batch_id, row),
                )
                if cursor.rowcount:
                    marked += 1
                else:
                    missing.append(row)
        return marked, missing

    # --- privacy ----------------------------------------------------------------------

    def forget(
        self, *, ids: Sequence[int] = (), before: date | None = None, everything: bool = False
    ) -> int:
        """Delete letters (and batches left empty), then VACUUM so no trace stays in free
        pages. Returns how many letters were deleted."""
        with self._writing() as db:
            if everything:
                cursor = db.execute("DELETE FROM letters")
            elif before is not None:
                cursor = db.execute(
                    "DELETE FROM letters WHERE substr(written, 1, 10) < ?", (before.isoformat(),)
                )
            else:
                for letter_id in ids:
                    self.get(letter_id)
                marks = ",".join("?" * len(ids))
                cursor = db.execute(f"DELETE FROM letters WHERE id IN ({marks})", list(ids))
            deleted = cursor.rowcount
            db.execute(
                "DELETE FROM batches WHERE id NOT IN "
                "(SELECT batch_id FROM letters WHERE batch_id IS NOT NULL)"
            )
        self._db.execute("VACUUM")
        # The WAL file can hold copies of deleted pages too: fold it in and truncate it.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted


def enabled() -> bool:
    """False after ``actkit config set log off``."""
    from actkit import config

    return bool(config.load().get("log", "on") != "off")


def open_logbook(path: Path | None = None) -> Logbook:
    """The user's letter log (created on first use)."""
    from actkit.paths import log_file

    return Logbook(path or log_file())


def _create_private(path: Path) -> None:
    # The log holds names and where letters went: readable by its owner only.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _filters(
    *, status: str | None, to: str | None, campaign: str | None, since: date | None
) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    values: list[Any] = []
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
        clauses.append("letters.status = ?")
        values.append(status)
    if to and "\x00" in to:
        # SQLite's LIKE stops reading a pattern at a NUL, so it would match every letter;
        # no name or seat holds one, so such a filter matches none.
        clauses.append("0")
    elif to:
        clauses.append("(letters.recipient_name LIKE ? OR letters.constituency LIKE ?)")
        values += [f"%{_like(to)}%"] * 2
    if campaign:
        clauses.append("letters.campaign = ?")
        values.append(campaign)
    if since is not None:
        clauses.append("substr(letters.written, 1, 10) >= ?")
        values.append(since.isoformat())
    return [c.replace("LIKE ?", "LIKE ? ESCAPE '\\'") for c in clauses], values


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _insert(
    db: sqlite3.Connection,
    letter: NewLetter,
    *,
    batch_id: int | None,
    written: str,
    follows: int | None = None,
    ignore_existing: bool = False,
) -> int:
    recipient = letter.recipient
    verb = "INSERT OR IGNORE" if ignore_existing else "INSERT"
    cursor = db.execute(
        f"""{verb} INTO letters (written, date, template, campaign, subject, body,
            recipient_name, member_id, party, constituency, gss_code, recipient, sender_name,
            sender, format, file, digest, follows, batch_id, batch_row)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            written,
            letter.date.isoformat(),
            letter.template,
            letter.campaign,
            letter.subject,
            recipient.body,
            recipient.name,
            recipient.member_id,
            recipient.party,
            recipient.constituency,
            recipient.gss_code,
            json.dumps(recipient.details) if recipient.details else None,
            letter.sender_name,
            json.dumps(letter.sender) if letter.sender else None,
            letter.format,
            letter.file,
            letter.digest,
            follows,
            batch_id,
            letter.batch_row,
        ),
    )
    return int(cursor.lastrowid or 0)


def _from_row(row: sqlite3.Row) -> LoggedLetter:
    sent = Sent(date.fromisoformat(row["sent_on"]), row["sent_via"]) if row["sent_on"] else None
    replied = (
        Replied(date.fromisoformat(row["replied_on"]), row["reply_summary"], row["reply_file"])
        if row["replied_on"]
        else None
    )
    return LoggedLetter(
        id=row["id"],
        written=datetime.fromisoformat(row["written"]),
        date=date.fromisoformat(row["date"]),
        template=row["template"],
        subject=row["subject"],
        recipient=Recipient(
            name=row["recipient_name"],
            constituency=row["constituency"],
            gss_code=row["gss_code"],
            body=row["body"],
            member_id=row["member_id"],
            party=row["party"],
            details=json.loads(row["recipient"]) if row["recipient"] else None,
        ),
        sender_name=row["sender_name"],
        format=row["format"],
        digest=row["digest"],
        status=row["status"],
        file=row["file"],
        campaign=row["campaign"],
        sender=json.loads(row["sender"]) if row["sender"] else None,
        sent=sent,
        replied=replied,
        chased_by=row["chased_by"],
        follows=row["follows"],
        batch=row["batch_folder"],
        batch_row=row["batch_row"],
    )


# --- what other commands record ---------------------------------------------------------


def campaign_name(campaign: Path | None) -> str | None:
    """A campaign folder is logged by its name, which ``--campaign NAME`` filters on."""
    return campaign.resolve().name if campaign is not None else None


def recipient_of(letter: Letter) -> Recipient:
    mp, seat = letter.mp, letter.constituency
    return Recipient(
        name=mp.name,
        constituency=seat.name,
        gss_code=seat.gss_code,
        body=letter.body_id,
        member_id=mp.member_id,
        party=mp.party,
        details={**mp.to_json(), "role": letter.role},
    )


def new_letter(
    letter: Letter,
    *,
    fmt: str,
    content: str | bytes,
    file: Path | None,
    campaign: Path | None,
) -> NewLetter:
    """What the log keeps about a letter ``letter write`` (or ``chase``) just wrote."""
    sender = letter.sender
    return NewLetter(
        date=letter.date,
        template=letter.template,
        subject=letter.subject,
        recipient=recipient_of(letter),
        sender_name=sender.name,
        format=fmt,
        digest=digest(content),
        file=str(file.resolve()) if file is not None else None,
        campaign=campaign_name(campaign),
        sender={
            "name": sender.name,
            "address": list(sender.address),
            "postcode": sender.postcode,
            "email": sender.email,
        },
    )


@dataclass(frozen=True, slots=True)
class ManifestLetter:
    """A written letter as a batch's manifest.csv lists it."""

    row: int
    name: str
    constituency: str
    gss_code: str
    mp_name: str
    """The recipient's name, whatever their body."""
    file: str
    body: str = DEFAULT_BODY


def manifest_letters(folder: Path) -> Iterator[ManifestLetter]:
    """The letters a batch folder's manifest says were written (status ok)."""
    import csv

    from actkit.batch import MANIFEST

    path = folder / MANIFEST
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InvalidInput(f"{folder} is not a batch folder: it has no {MANIFEST}") from None
    with handle:
        for cells in csv.DictReader(handle):
            cell = {key: _plain_cell(value or "") for key, value in cells.items() if key}
            if cell.get("status") == "ok" and cell.get("row", "").isdigit() and cell["gss_code"]:
                yield ManifestLetter(
                    row=int(cell["row"]),
                    name=cell.get("name", ""),
                    constituency=cell.get("constituency", ""),
                    gss_code=cell["gss_code"],
                    # Letters to devolved members name them in rep_name (batch --to).
                    mp_name=cell.get("mp_name") or cell.get("rep_name", ""),
                    file=cell.get("file", ""),
                    body=cell.get("body") or DEFAULT_BODY,
                )


def _plain_cell(value: str) -> str:
    """Undo ``text.neutralise_formula``, which the manifest's writer applies."""
    from actkit.text import FORMULA_START

    return value[1:] if value[:1] == "'" and value[1:].startswith(FORMULA_START) else value


def batch_letters(
    folder: Path,
    *,
    letter_date: date,
    template: str,
    subject: str,
    fmt: str,
    campaign: Path | None,
) -> Iterator[NewLetter]:
    """One NewLetter per letter in the batch's manifest whose file is on disk."""
    from actkit import offline

    # In spreadsheet order: a batch's manifest lists rows as they finished.
    for entry in sorted(manifest_letters(folder), key=lambda e: (e.row, e.file)):
        path = folder / entry.file
        try:
            content = path.read_bytes()
        except OSError:
            continue  # listed but gone: --resume writes it again, and it is logged then
        mp = offline.mp_for(entry.gss_code) if entry.body == DEFAULT_BODY else None
        same_mp = mp is not None and mp.name == entry.mp_name
        yield NewLetter(
            date=letter_date,
            template=template,
            subject=subject,
            recipient=Recipient(
                name=entry.mp_name,
                constituency=entry.constituency,
                gss_code=entry.gss_code,
                body=entry.body,
                member_id=mp.member_id if same_mp and mp else None,
                party=mp.party if same_mp and mp else None,
            ),
            sender_name=entry.name,
            format=fmt,
            digest=digest(content),
            file=str(path.resolve()),
            campaign=campaign_name(campaign),
            batch_row=entry.row,
        )
