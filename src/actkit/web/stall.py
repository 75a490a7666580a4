"""What a letter-writing stall needs besides the web pages: its settings, a visitor's form
read into a ``Sender``, library errors worded for the page, the personalisation guard and
the consenting supporters list.

Nothing here knows about HTTP; ``actkit.web.app`` puts it on pages.
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from actkit.errors import (
    ActkitError,
    FactsProblem,
    InvalidInput,
    InvalidPostcode,
    NoRepresentative,
    NoWestminsterMP,
    OfflineUnavailable,
    PostcodeNotFound,
    PostcodeTerminated,
    ServiceUnavailable,
    TemplateProblem,
    VacantSeat,
)
from actkit.letters import DEFAULT_MAX_FACT_AGE_DAYS, Letter, Sender
from actkit.postcodes import is_northern_ireland, normalise_postcode
from actkit.text import address_lines, multi_line, one_line

FIELDS = ("postcode", "name", "address", "email", "personal", "template")
"""The form fields, and the query parameters the first page accepts (a contract)."""
MAX_LENGTH = {
    "postcode": 16,
    "name": 120,
    "address": 400,
    "email": 254,
    "personal": 5000,
    "template": 80,
}
IDLE_SECONDS = 180
"""Kiosk mode: a page left alone this long goes back to a blank start."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SUPPORTERS_FILE = "stall-supporters.csv"
SUPPORTER_COLUMNS = ("added", "name", "postcode", "email", "constituency", "mp", "template")


def is_loopback(host: str) -> bool:
    """Only this machine can reach a server bound to these."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def new_pin() -> str:
    """Six random digits, for a stall that other devices on its Wi-Fi can reach."""
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True, slots=True)
class StallSettings:
    """How the organiser started ``actkit serve``."""

    campaign: Path | None = None
    templates: tuple[str, ...] = ()
    """The templates visitors may choose from; empty means every one the campaign has."""
    offline: bool = False
    kiosk: bool = False
    pin: str | None = None
    """Asked once per browser when set (any host but this machine)."""
    max_fact_age_days: int = DEFAULT_MAX_FACT_AGE_DAYS
    supporters_file: Path | None = None
    """Where consenting visitors are listed; None keeps no list."""
    idle_seconds: int = IDLE_SECONDS


# --- The visitor's form --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitorForm:
    """What a visitor typed, trimmed and cut to length: carried from page to page in the
    form itself, never kept on the server."""

    values: dict[str, str]
    consent: bool = False

    @classmethod
    def read(cls, data: Mapping[str, str]) -> VisitorForm:
        values = {}
        for name in FIELDS:
            raw = str(data.get(name, ""))[: MAX_LENGTH[name]]
            values[name] = multi_line(raw) if name in ("personal", "address") else one_line(raw)
        return cls(values, consent=data.get("consent") == "yes")

    def __getitem__(self, name: str) -> str:
        return self.values[name]


@dataclass(frozen=True, slots=True)
class PageError:
    """A problem worded for the page, and the field it belongs next to ("" for the page)."""

    field: str
    message: str


def check_sender(form: VisitorForm) -> tuple[Sender | None, dict[str, str]]:
    """The visitor's details as a ``Sender``, or the problem with each field."""
    from actkit.config import check_email

    problems: dict[str, str] = {}
    if not form["name"]:
        problems["name"] = "Please write your name: it goes at the end of the letter."
    address = address_lines(form["address"])
    if not address:
        problems["address"] = (
            "Please write your address: MPs only answer people who live in their constituency, "
            "and check with it."
        )
    email = form["email"] or None
    if email:
        try:
            email = check_email(email)
        except InvalidInput:
            problems["email"] = (
                "That does not look like an email address (like name@example.org). "
                "You can leave it empty."
            )
    try:
        postcode = normalise_postcode(form["postcode"])
    except InvalidPostcode as error:
        problems["postcode"] = page_error(error, form["postcode"]).message
    if problems:
        return None, problems
    return Sender(name=form["name"], address=address, postcode=postcode, email=email), {}


def page_error(error: ActkitError, postcode: str = "") -> PageError:
    """The library's error, by its type, worded for a visitor and placed next to its field."""
    shown = postcode.upper() or "That postcode"
    if isinstance(error, InvalidPostcode):
        return PageError(
            "postcode",
            "That does not look like a UK postcode. A postcode looks like SW1A 1AA or "
            "NR2 1AB: check the letters and numbers.",
        )
    if isinstance(error, PostcodeTerminated):
        return PageError("postcode", f"{error.message}.")
    if isinstance(error, PostcodeNotFound):
        return PageError(
            "postcode",
            f"{shown} is not a postcode in use. Check it for typos: the letter O for a "
            "zero, or I for a one.",
        )
    if isinstance(error, NoWestminsterMP):
        which = "has" if error.country == "Isle of Man" else "have"
        return PageError(
            "postcode",
            f"{shown} is in the {error.country}, which {which} no MP at Westminster, so there "
            "is no MP to write to. You can write to your members of the island's own "
            "parliament instead.",
        )
    if isinstance(error, VacantSeat):
        return PageError(
            "postcode",
            f"{error.constituency} has no MP at the moment: the seat is empty until a "
            "by-election fills it. Please ask the organisers what you can do instead.",
        )
    if isinstance(error, NoRepresentative):
        return PageError("postcode", f"{error.message}.")
    if isinstance(error, OfflineUnavailable):
        if postcode and _northern_irish(postcode):
            return PageError(
                "postcode",
                f"{shown} is in Northern Ireland, and this stall has no internet connection "
                "to look it up. Please ask the organisers for help.",
            )
        return PageError(
            "postcode",
            f"This stall's offline data does not know {shown}. Check the postcode, or ask "
            "the organisers for help.",
        )
    if isinstance(error, ServiceUnavailable):
        return PageError(
            "postcode",
            "The services that find MPs cannot be reached just now. Please try again in a "
            "minute, or ask the organisers.",
        )
    if isinstance(error, TemplateProblem | FactsProblem):
        return PageError(
            "",
            "This letter cannot be written at the moment: its template has a problem. "
            "Please tell the organisers.",
        )
    return PageError("", f"{error.message}.")


def _northern_irish(postcode: str) -> bool:
    try:
        return is_northern_ireland(normalise_postcode(postcode))
    except InvalidPostcode:
        return False


# --- The personalisation guard ---------------------------------------------------------------


@dataclass
class PersonalisationGuard:
    """Counts letters with no words of the visitor's own, by MP and text.

    Only letters without a personal paragraph are counted: their text comes from the
    template alone, so the count holds nothing a visitor typed. It lives in memory and
    goes when the server stops.
    """

    _counts: Counter[tuple[int | None, bytes]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def identical_before(self, letter: Letter) -> int:
        """How many letters identical to this one went to the same MP before it."""
        if letter.has_personal:
            return 0
        key = (letter.mp.member_id, letter.form_digest)
        with self._lock:
            before = self._counts[key]
            self._counts[key] += 1
        return before


# --- The supporters list -------------------------------------------------------------------


class SupportersList:
    """Visitors who ticked the consent box: name, postcode and email, in a local CSV.

    Written atomically on every change; a visitor who writes twice is listed once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, sender: Sender, letter: Letter) -> None:
        from actkit.fileio import atomic_write

        row = {
            "added": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "name": sender.name,
            "postcode": sender.postcode,
            "email": sender.email or "",
            "constituency": letter.constituency.name,
            "mp": letter.mp.name,
            "template": letter.template,
        }
        with self._lock:
            rows = [r for r in self.rows() if _identity(r) != _identity(row)]
            rows.append(row)
            # People's names and emails: readable by the organiser's account alone.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            atomic_write(self.path, _csv(rows), force=True)
            self.path.chmod(0o600)

    def rows(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8", newline="") as handle:
            return [
                {column: row.get(column) or "" for column in SUPPORTER_COLUMNS}
                for row in csv.DictReader(handle)
            ]

    def export(self) -> str:
        """The list as CSV for a spreadsheet, with cells that could run as formulas defused."""
        from actkit.text import neutralise_formula  # the one formula guard

        return _csv([{k: neutralise_formula(v) for k, v in row.items()} for row in self.rows()])

    def clear(self) -> int:
        """Delete the list; return how many supporters it held."""
        with self._lock:
            count = len(self.rows())
            self.path.unlink(missing_ok=True)
        return count


def _identity(row: Mapping[str, str]) -> tuple[str, str, str]:
    return row["name"].casefold(), row["postcode"], row["email"].casefold()


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, SUPPORTER_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def supporters_list(directory: Path | None = None) -> SupportersList:
    """The stall's list, in actkit's data folder unless told otherwise."""
    from actkit.paths import data_dir

    return SupportersList((directory or data_dir()) / SUPPORTERS_FILE)
