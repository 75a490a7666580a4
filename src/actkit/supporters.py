"""Reading a spreadsheet of supporters, as spreadsheets export it.

UTF-8 with or without a byte order mark, or Windows-1252 (older Excel); comma, semicolon
(Excel in much of Europe) or tab separated; quoted fields that span lines. Columns are
matched case- and space-insensitively, with common aliases ("Full name", "Post code").
The file is read as a stream, twice if need be, never held in memory.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from actkit.errors import InvalidInput
from actkit.text import one_line

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "supportername", "yourname", "sendername", "constituentname"),
    "address": ("address", "postaladdress", "streetaddress", "homeaddress", "fulladdress"),
    "postcode": ("postcode", "postalcode", "post code", "zip", "zipcode", "pcode"),
    "email": ("email", "emailaddress", "e-mail", "mail"),
    "personal": (
        "personal",
        "personalmessage",
        "personalparagraph",
        "message",
        "ownwords",
        "yourwords",
        "story",
        "why",
        "comments",
        "comment",
    ),
}
# When there is no single column, these are joined in order to make one.
NAME_PARTS = ("title", "firstname", "givenname", "forename", "lastname", "surname", "familyname")
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


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


@dataclass(frozen=True, slots=True)
class Supporter:
    row: int
    """1-based number of the data row (the header is not counted)."""
    name: str
    address: str
    postcode: str
    email: str
    personal: str

    @property
    def blank(self) -> bool:
        return not (self.name or self.address or self.postcode or self.email or self.personal)


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which CSV columns (by index) make up each field."""

    fields: dict[str, tuple[int, ...]]

    def value(self, cells: list[str], field: str, joiner: str) -> str:
        columns = self.fields.get(field, ())
        if len(columns) == 1:  # the usual case, kept quick: it runs for every cell
            index = columns[0]
            return cells[index].strip() if index < len(cells) else ""
        parts = [cells[i].strip() for i in columns if i < len(cells)]
        return joiner.join(p for p in parts if p)


class SupporterFile:
    """A supporters CSV: its encoding, dialect and columns, checked before any work."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file")
        self.path = path
        self.encoding = _encoding(path)
        self.delimiter = self._sniff_delimiter()
        self.headers = self._headers()
        self.columns = _map_columns(self.headers)

    def rows(self) -> Iterator[Supporter]:
        """Every data row, blank ones included (callers mark them skipped)."""
        for number, cells in self._records():
            yield self._supporter(number, cells)

    def postcodes(self) -> Iterator[tuple[int, str]]:
        """(row, postcode as typed) for every data row: the first pass needs nothing else."""
        for number, cells in self._records():
            yield number, self.columns.value(cells, "postcode", " ")

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            number = 0
            try:
                next(reader, None)
                for number, cells in enumerate(reader, start=1):
                    yield number, cells
            except csv.Error as error:
                raise InvalidInput(f"{self.path}: data row {number + 1}: {error}") from None

    def _open(self) -> IO[str]:
        # Windows-1252 leaves a few bytes undefined: show them as "?" rather than fail.
        errors = "replace" if self.encoding == "cp1252" else "strict"
        return self.path.open(encoding=self.encoding, errors=errors, newline="")

    def _supporter(self, number: int, cells: list[str]) -> Supporter:
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
        return [cell.strip() for cell in header]


def _encoding(path: Path) -> str:
    """utf-8-sig (with or without BOM) when the whole file decodes, else cp1252."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _map_columns(headers: list[str]) -> ColumnMap:
    keys = [_key(h) for h in headers]
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
    missing = [field for field in REQUIRED if field not in fields]
    if missing:
        shown = ", ".join(repr(h) for h in headers)
        raise InvalidInput(
            f"the supporters file has no {' or '.join(repr(m) for m in missing)} column "
            f"(columns found: {shown})"
        )
    return ColumnMap(fields)
