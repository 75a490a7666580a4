"""Reading a spreadsheet of supporters, as spreadsheets export it.

UTF-8 with or without a byte order mark, Windows-1252 (older Excel), or UTF-16/UTF-32 with a
byte order mark (Excel's "Unicode text"); comma, semicolon (Excel in much of Europe) or tab
separated; quoted fields that span lines. Columns are matched case- and space-insensitively,
with common aliases ("Full name", "Post code"), or as the organiser maps them
(``--column FIELD=HEADER``). A column that may hold an organiser's notes is never read as a
supporter's own words unless mapped. The file is read as a stream, twice if need be, never
held in memory.

Rows are numbered as a spreadsheet shows them: the header is row 1, so the first supporter
is row 2, whatever line breaks the cells hold.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from actkit.errors import InvalidInput
from actkit.text import one_line

FIELDS = ("name", "first_name", "last_name", "address", "postcode", "email", "personal")
"""What ``--column FIELD=HEADER`` can map."""
FIELD_LABELS = {"personal": "personal words"}

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "supportername", "yourname", "sendername", "constituentname"),
    "address": ("address", "postaladdress", "streetaddress", "homeaddress", "fulladdress"),
    "postcode": ("postcode", "postalcode", "post code", "zip", "zipcode", "pcode"),
    "email": ("email", "emailaddress", "e-mail", "mail"),
    # Only names that can mean nothing but the supporter's own words: "message" or
    # "comments" may just as well be the organiser's notes (see NOTE_STEMS).
    "personal": (
        "personal",
        "personalmessage",
        "personalparagraph",
        "personalwords",
        "ownwords",
        "yourwords",
        "inyourownwords",
        "story",
        "yourstory",
        "why",
        "whyitmatters",
    ),
}
NOTE_STEMS = (
    "comment",
    "note",
    "message",
    "status",
    "remark",
    "memo",
    "tag",
    "internal",
    "admin",
    "followup",
    "outcome",
    "action",
)
"""Header words that suggest an organiser's notes about a supporter, not the supporter's words."""
# When there is no single column, these are joined in order to make one.
NAME_PARTS = ("title", "firstname", "givenname", "forename", "lastname", "surname", "familyname")
FIRST_NAME = ("firstname", "givenname", "forename")
LAST_NAME = ("lastname", "surname", "familyname")
ADDRESS_PARTS = (
    "addressline1",
    "address1",
    "street",
    "addressline2",
    "address2",
    "addressline3",
    "address3",
    "town",
    "city",
    "county",
)
REQUIRED = ("name", "address", "postcode")
JOINERS = {"name": " ", "address": ", ", "postcode": " ", "email": " ", "personal": "\n\n"}
RUNAWAY_LINES = 50
"""A quoted cell spanning more lines than this is taken for a stray quote, not an address."""


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def looks_like_notes(header: str) -> bool:
    """True for a header such as "Comments", "Organiser notes" or "Status"."""
    key = _key(header)
    personal = {_key(alias) for alias in ALIASES["personal"]}
    return key not in personal and any(stem in key for stem in NOTE_STEMS)


@dataclass(frozen=True, slots=True)
class Supporter:
    row: int
    """The row number a spreadsheet shows (the header is row 1)."""
    name: str
    address: str
    postcode: str
    email: str
    personal: str

    @property
    def blank(self) -> bool:
        return not (self.name or self.address or self.postcode or self.email or self.personal)

    @property
    def digest(self) -> str:
        """Identifies the row by what its letter is made of, wherever the row moves to."""
        content = "\x1f".join((self.name, self.address, self.postcode, self.email, self.personal))
        return hashlib.blake2b(content.encode(), digest_size=16).hexdigest()

    @property
    def identity(self) -> tuple[str, str]:
        """Same name and postcode: the same supporter (case and spacing aside)."""
        return supporter_identity(self.name, self.postcode)


def supporter_identity(name: str, postcode: str) -> tuple[str, str]:
    return " ".join(name.casefold().split()), "".join(postcode.split()).upper()


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which CSV columns (by index) make up each field, and where each choice came from."""

    headers: tuple[str, ...]
    fields: dict[str, tuple[int, ...]]
    mapped: frozenset[str] = frozenset()
    """Fields the organiser chose with ``--column``."""

    def value(self, cells: list[str], field: str, joiner: str) -> str:
        columns = self.fields.get(field, ())
        if len(columns) == 1:  # the usual case, kept quick: it runs for every cell
            index = columns[0]
            return cells[index].strip() if index < len(cells) else ""
        parts = [cells[i].strip() for i in columns if i < len(cells)]
        return joiner.join(p for p in parts if p)

    def used(self) -> dict[str, tuple[str, ...]]:
        """Each field and the headers that feed it ("name": ("First name", "Last name"))."""
        return {
            field: tuple(self.headers[i] for i in self.fields.get(field, ())) for field in JOINERS
        }

    def ignored(self) -> tuple[str, ...]:
        """Headers that feed no field, in file order."""
        used = {i for indices in self.fields.values() for i in indices}
        return tuple(h for i, h in enumerate(self.headers) if i not in used and h)

    def record(self) -> dict[str, list[str]]:
        """JSON-ready, for the note a batch keeps of what it ran with."""
        return {field: list(headers) for field, headers in self.used().items()}


@dataclass(frozen=True, slots=True)
class ScanProblem:
    """Why a record cannot be trusted (a stray quote swallowing rows)."""

    line: int
    rows_swallowed: int


class SupporterFile:
    """A supporters CSV: its encoding, dialect and columns, checked before any work."""

    def __init__(self, path: Path, columns: Sequence[tuple[str, str]] = ()) -> None:
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file")
        self.path = path
        self.encoding = _encoding(path)
        self.delimiter = self._sniff_delimiter()
        self.headers = self._headers()
        self.columns = _map_columns(self.headers, columns)
        self._one_column_each = _one_column_each(self.columns)
        self.lines = 0
        """Physical lines read by the last full pass (cells can span lines)."""

    def rows(self, keep: Callable[[int], bool] | None = None) -> Iterator[Supporter]:
        """Every data row, blank ones included (callers mark them skipped); with ``keep``,
        only the rows whose number it accepts (each worker of a batch takes its own)."""
        for number, cells in self._records():
            if keep is None or keep(number):
                yield self._supporter(number, cells)

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            number, line = 1, 0
            try:
                next(reader, None)
                line = reader.line_num
                for number, cells in enumerate(reader, start=2):
                    if reader.line_num - line > 1:
                        self._check_spanning(cells, first_line=line + 1)
                    line = reader.line_num
                    yield number, cells
            except csv.Error as error:
                raise InvalidInput(
                    f"{self.path}: line {line + 1} (row {number + 1}): {error}"
                ) from None
            self.lines = reader.line_num

    def _check_spanning(self, cells: list[str], *, first_line: int) -> None:
        """Refuse a record whose quoted cell swallowed what look like later rows.

        One stray opening quote makes the CSV reader read on to the next quote, maybe the
        end of the file: every row in between vanishes into one cell. A real address or
        message spans a few lines; it does not hold lines shaped like whole rows.
        """
        line = first_line
        for cell in cells:
            breaks = cell.count("\n")
            if breaks and (breaks > RUNAWAY_LINES or self._holds_rows(cell)):
                swallowed = sum(1 for part in cell.split("\n")[1:] if part.strip())
                raise InvalidInput(
                    f"{self.path}: line {line}: a quoted cell starts on this line and "
                    f"swallows the {swallowed:,} lines after it, which look like supporters' "
                    f'rows: is there a stray quote (") on line {line}? Fix it and run '
                    "again; no letter was written"
                )
            line += breaks

    def _holds_rows(self, cell: str) -> bool:
        from actkit.postcodes import normalise_postcode

        postcode_at = self.columns.fields["postcode"]
        width = len(self.headers)
        for part in cell.split("\n")[1:]:
            inner = next(csv.reader([part], delimiter=self.delimiter), [])
            if len(inner) < width:
                continue
            typed = " ".join(inner[i] for i in postcode_at if i < len(inner))
            try:
                normalise_postcode(typed)
            except InvalidInput:
                continue
            return True
        return False

    def _open(self) -> IO[str]:
        # Windows-1252 leaves a few bytes undefined: show them as "?" rather than fail.
        errors = "replace" if self.encoding == "cp1252" else "strict"
        return self.path.open(encoding=self.encoding, errors=errors, newline="")

    def _supporter(self, number: int, cells: list[str]) -> Supporter:
        plain = self._one_column_each
        if plain is not None and len(cells) > plain[-1]:
            # The usual file, one column a field, read without the general joining rules
            # (the same values: each is a stripped cell, or "" for a field with no column).
            name, address, postcode, email, personal, _ = plain
            return Supporter(
                row=number,
                name=one_line(cells[name].strip()),
                address=cells[address].strip(),
                postcode=one_line(cells[postcode].strip()),
                email=one_line(cells[email].strip()) if email >= 0 else "",
                personal=cells[personal].strip() if personal >= 0 else "",
            )
        columns = self.columns
        return Supporter(
            row=number,
            name=one_line(columns.value(cells, "name", " ")),
            address=columns.value(cells, "address", ", "),
            postcode=one_line(columns.value(cells, "postcode", " ")),
            email=one_line(columns.value(cells, "email", " ")),
            personal=columns.value(cells, "personal", "\n\n"),
        )

    def _sniff_delimiter(self) -> str:
        with self._open() as handle:
            first_line = handle.readline()
        # The header decides: Excel's ';' dialect has more semicolons than commas there.
        counts = {d: first_line.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","

    def _headers(self) -> list[str]:
        with self._open() as handle:
            try:
                header = next(csv.reader(handle, delimiter=self.delimiter), None)
            except csv.Error as error:
                raise InvalidInput(f"{self.path}: the header row: {error}") from None
        if not header or not any(cell.strip() for cell in header):
            raise InvalidInput(
                f"{self.path} is empty: it needs a header row with name, address "
                "and postcode columns"
            )
        return [one_line(cell) for cell in header]


def _one_column_each(columns: ColumnMap) -> tuple[int, int, int, int, int, int] | None:
    """The column of name, address, postcode, email and personal words (-1: none) and the
    highest of them, when no field joins several columns; else None."""
    found = []
    for field in ("name", "address", "postcode", "email", "personal"):
        indices = columns.fields.get(field, ())
        if len(indices) > 1:
            return None
        found.append(indices[0] if indices else -1)
    name, address, postcode, email, personal = found
    return name, address, postcode, email, personal, max(found)


# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAVE_AS = "save it from your spreadsheet as 'CSV UTF-8' and try again"


def _encoding(path: Path) -> str:
    """The file's encoding: from its byte order mark, else UTF-8 if it decodes, else cp1252.

    A file with NUL bytes and no byte order mark is UTF-16 or UTF-32 of unknown byte order:
    refused rather than guessed, since a wrong guess garbles every name.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
    marked = next((enc for bom, enc in _BYTE_ORDER_MARKS if start.startswith(bom)), None)
    if marked in ("utf-16", "utf-32"):
        if not _decodes(path, marked):
            raise InvalidInput(f"{path} starts like {marked.upper()} text but is not: {_SAVE_AS}")
        return marked
    with path.open("rb") as handle:
        if b"\x00" in handle.read(1 << 16):
            raise InvalidInput(
                f"{path} holds NUL bytes: it looks like UTF-16 or UTF-32 text without a byte "
                f"order mark, or not text at all; {_SAVE_AS}"
            )
    return "utf-8-sig" if _decodes(path, "utf-8-sig") else "cp1252"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def parse_column_choices(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--column FIELD=HEADER`` values as (field, header) pairs; unknown fields refused."""
    choices = []
    for value in values:
        field, sep, header = value.partition("=")
        field = field.strip().lower().replace("-", "_")
        if not sep or not header.strip():
            raise InvalidInput(f"--column {value!r}: give FIELD=HEADER, e.g. personal=Comments")
        if field not in FIELDS:
            raise InvalidInput(
                f"--column {value!r}: unknown field {field!r}; choose from {', '.join(FIELDS)}"
            )
        choices.append((field, header.strip()))
    return tuple(choices)


def _map_columns(headers: list[str], choices: Sequence[tuple[str, str]]) -> ColumnMap:
    chosen = _chosen_columns(headers, choices)
    taken = {i for indices in chosen.values() for i in indices}
    keys = [_key(h) if i not in taken else "" for i, h in enumerate(headers)]
    fields: dict[str, tuple[int, ...]] = {}
    for field, aliases in ALIASES.items():
        wanted = {_key(a) for a in aliases}
        match = next((i for i, k in enumerate(keys) if k in wanted), None)
        if match is not None:
            fields[field] = (match,)
    for field, parts in (("name", NAME_PARTS), ("address", ADDRESS_PARTS)):
        if field not in fields:
            found = tuple(keys.index(part) for part in parts if part in keys)
            if found:
                fields[field] = found
    fields.update(chosen)
    missing = [field for field in REQUIRED if field not in fields]
    if missing:
        shown = ", ".join(repr(h) for h in headers)
        raise InvalidInput(
            f"the supporters file has no {' or '.join(repr(m) for m in missing)} column "
            f"(columns found: {shown}); map one with --column FIELD=HEADER"
        )
    return ColumnMap(tuple(headers), fields, frozenset(chosen))


def _chosen_columns(
    headers: list[str], choices: Sequence[tuple[str, str]]
) -> dict[str, tuple[int, ...]]:
    """The organiser's ``--column`` choices by field; first and last names make the name."""
    chosen: dict[str, tuple[int, ...]] = {}
    for field, header in choices:
        index = _find_header(headers, header)
        target = "name" if field in ("first_name", "last_name") else field
        chosen[target] = (*chosen.get(target, ()), index)
    name_parts = [
        _find_header(headers, header)
        for part in ("name", "first_name", "last_name")
        for field, header in choices
        if field == part
    ]
    if name_parts:
        chosen["name"] = tuple(name_parts)  # whole name, then first, then last
    return chosen


def _find_header(headers: list[str], wanted: str) -> int:
    if wanted in headers:
        return headers.index(wanted)
    keys = [_key(h) for h in headers]
    if _key(wanted) and _key(wanted) in keys:
        return keys.index(_key(wanted))
    shown = ", ".join(repr(h) for h in headers)
    raise InvalidInput(f"--column: no column {wanted!r} in the file (columns found: {shown})")
