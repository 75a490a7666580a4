"""The embedded offline dataset: which GB postcodes exist, postcode → constituency, and the
sitting-MP snapshot with what is known to have changed since it was taken.

The two postcode tables are precomputed binary files (built by ``tools/build_offline_data.py``
from the sources in the repository's ``data/`` folder) and memory-mapped on first use, so a
lookup reads a few pages instead of parsing megabytes. Attribution and limits:
``actkit/data/ATTRIBUTION.md`` (shown by ``actkit data info``).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import mmap
import struct
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from actkit import nations
from actkit.models import HOUSE_OF_COMMONS_ADDRESS, MP, Constituency
from actkit.paths import package_path

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

POSTCODE_LIST_YEAR = 2023
"""The year of the Code-Point Open release the existence list comes from."""
POSTCODE_LIST_FILE = "gb_postcodes_2023.bin"
RANGE_TABLE_FILE = "pcon_2024.bin"

# --- The binary layouts (written by tools/build_offline_data.py, read here) -----------
#
# Both files are little-endian and start with an 8-byte magic and two uint32 counts.
#
# gb_postcodes_2023.bin: N districts. N x 5 bytes outward codes (ASCII, space-padded,
# sorted); N bytes, each district's nation as the first letter of its GSS codes, or "-"
# when its postcodes lie in more than one nation; then N bitmaps of BITMAP_BYTES, one bit
# per possible inward code (see ``inward_index``).
#
# pcon_2024.bin: R runs, C constituencies. C x 9 bytes GSS codes; padding to a multiple
# of 8; R x uint64 sorted run keys (the run's first postcode, spaces removed, read as
# base 36); R x uint16 index into the codes (NO_SEAT when the run has no constituency).

POSTCODE_LIST_MAGIC = b"AKPC2023"
RANGE_TABLE_MAGIC = b"AKPCON24"
_HEADER = struct.Struct("<8sII")
OUTWARD_WIDTH = 5
"""An outward code has at most four characters; the fifth is always a space, so that
``split()`` reads the list in one call."""
GSS_WIDTH = 9
NO_SEAT = 0xFFFF
MIXED_NATIONS = b"-"

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
"""The letters Royal Mail uses in inward codes: never C, I, K, M, O or V."""
_LETTER_INDEX = {letter: index for index, letter in enumerate(INWARD_LETTERS)}
INWARD_CODES = 10 * len(INWARD_LETTERS) ** 2
BITMAP_BYTES = INWARD_CODES // 8


def inward_index(inward: str) -> int | None:
    """The bit for an inward code ("1AB"), or None for one Royal Mail never issues."""
    first, second = _LETTER_INDEX.get(inward[1:2]), _LETTER_INDEX.get(inward[2:3])
    if len(inward) != 3 or not inward[0].isdigit() or first is None or second is None:
        return None
    return (int(inward[0]) * len(INWARD_LETTERS) + first) * len(INWARD_LETTERS) + second


def pack_postcode_list(
    districts: Mapping[str, Iterable[str]], nation_letters: Mapping[str, str]
) -> bytes:
    """The binary existence list: ``districts`` maps outward codes to their inward codes."""
    outwards = sorted(districts)
    parts = [_HEADER.pack(POSTCODE_LIST_MAGIC, len(outwards), BITMAP_BYTES)]
    parts.append(b"".join(o.ljust(OUTWARD_WIDTH).encode("ascii") for o in outwards))
    mixed = MIXED_NATIONS.decode("ascii")
    parts.append(b"".join(nation_letters.get(o, mixed).encode("ascii") for o in outwards))
    for outward in outwards:
        bitmap = bytearray(BITMAP_BYTES)
        for inward in districts[outward]:
            bit = inward_index(inward)
            if bit is None:
                raise ValueError(f"{outward} {inward} has an inward code Royal Mail never uses")
            bitmap[bit >> 3] |= 1 << (bit & 7)
        parts.append(bytes(bitmap))
    return b"".join(parts)


def pack_range_table(
    keys: Sequence[int], seat_indexes: Sequence[int], codes: Sequence[str]
) -> bytes:
    """The binary range table: sorted run keys, each run's index into ``codes``."""
    header = _HEADER.pack(RANGE_TABLE_MAGIC, len(keys), len(codes))
    names = b"".join(code.encode("ascii").ljust(GSS_WIDTH) for code in codes)
    padding = b"\0" * (-(len(header) + len(names)) % 8)
    return b"".join(
        (
            header,
            names,
            padding,
            struct.pack(f"<{len(keys)}Q", *keys),
            struct.pack(f"<{len(seat_indexes)}H", *seat_indexes),
        )
    )


def _resource(name: str) -> Traversable:
    return package_path("data", name)


def _read(name: str) -> str:
    return _resource(name).read_text(encoding="utf-8")


def _map(name: str) -> memoryview:
    """A data file's bytes, memory-mapped where the package is a plain folder."""
    resource = _resource(name)
    if isinstance(resource, Path):
        with resource.open("rb") as handle:
            return memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
    return memoryview(resource.read_bytes())  # inside a zip: read it once


def _unsigned(buffer: memoryview, typecode: Literal["H", "Q"]) -> Sequence[int]:
    """A little-endian array of unsigned integers, without copying where the CPU agrees."""
    if sys.byteorder == "little":
        return buffer.cast(typecode)
    values = array(typecode, buffer.tobytes())
    values.byteswap()
    return values


def _header(buffer: memoryview, magic: bytes, name: str) -> tuple[int, int]:
    found, first, second = _HEADER.unpack_from(buffer)
    if found != magic:
        raise RuntimeError(f"actkit/data/{name} is damaged: reinstall actkit")
    return first, second


@functools.cache
def datasets() -> dict[str, dict[str, Any]]:
    """Descriptions of the embedded files: source, licence, date."""
    loaded: dict[str, dict[str, Any]] = json.loads(_read("datasets.json"))
    return loaded


def attribution() -> str:
    return _read("ATTRIBUTION.md")


def mps_as_of() -> date:
    return date.fromisoformat(datasets()["mps"]["as_of"])


# --- Which postcodes exist -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PostcodeList:
    districts: dict[str, int]
    """Outward code → its position in the file."""
    nation_letters: bytes
    bitmaps: memoryview


@functools.cache
def _postcode_list() -> _PostcodeList:
    buffer = _map(POSTCODE_LIST_FILE)
    count, width = _header(buffer, POSTCODE_LIST_MAGIC, POSTCODE_LIST_FILE)
    start = _HEADER.size
    names_end = start + count * OUTWARD_WIDTH
    outwards = buffer[start:names_end].tobytes().decode("ascii").split()
    if width != BITMAP_BYTES or len(outwards) != count:
        raise RuntimeError(f"actkit/data/{POSTCODE_LIST_FILE} is damaged: reinstall actkit")
    return _PostcodeList(
        districts=dict(zip(outwards, range(count), strict=True)),
        nation_letters=buffer[names_end : names_end + count].tobytes(),
        bitmaps=buffer[names_end + count :],
    )


def district_exists(outward: str) -> bool:
    """Whether a GB postcode district (outward code, "NR2") existed in the list."""
    return outward in _postcode_list().districts


def postcode_exists(postcode: str) -> bool:
    """Whether a normalised GB postcode ("NR2 1AB") is in the list of 2023 postcodes."""
    outward, _, inward = postcode.partition(" ")
    table = _postcode_list()
    position, bit = table.districts.get(outward), inward_index(inward)
    if position is None or bit is None:
        return False
    return bool(table.bitmaps[position * BITMAP_BYTES + (bit >> 3)] & (1 << (bit & 7)))


def district_nation_letter(outward: str) -> str | None:
    """The GSS letter of the one nation a district lies in; None if several, or unknown."""
    table = _postcode_list()
    position = table.districts.get(outward)
    if position is None:
        return None
    letter = table.nation_letters[position : position + 1]
    return None if letter == MIXED_NATIONS else letter.decode("ascii")


# --- Postcode → constituency -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RangeTable:
    keys: Sequence[int]
    """Sorted base-36 values of the first postcode of each run."""
    seat_index: Sequence[int]
    """Per key, an index into ``codes``; NO_SEAT means no constituency."""
    codes: tuple[str, ...]


@functools.cache
def _range_table() -> _RangeTable:
    buffer = _map(RANGE_TABLE_FILE)
    runs, count = _header(buffer, RANGE_TABLE_MAGIC, RANGE_TABLE_FILE)
    start = _HEADER.size
    names = buffer[start : start + count * GSS_WIDTH].tobytes().decode("ascii")
    keys_start = start + count * GSS_WIDTH
    keys_start += -keys_start % 8
    index_start = keys_start + runs * 8
    return _RangeTable(
        keys=_unsigned(buffer[keys_start:index_start], "Q"),
        seat_index=_unsigned(buffer[index_start : index_start + runs * 2], "H"),
        codes=tuple(names[i : i + GSS_WIDTH].rstrip() for i in range(0, len(names), GSS_WIDTH)),
    )


def gss_for_postcode(postcode: str) -> str | None:
    """The constituency GSS code of a normalised GB postcode, or None.

    A range table cannot tell a real postcode from a well-formed fake one: any postcode
    that falls in a run gets that run's constituency, so ask ``postcode_exists`` first.
    Northern Ireland is not covered, so callers must handle BT postcodes before asking.
    """
    table = _range_table()
    position = bisect_right(table.keys, int(postcode.replace(" ", ""), 36)) - 1
    return _code_at(table, position) if position >= 0 else None


def _code_at(table: _RangeTable, position: int) -> str | None:
    index = table.seat_index[position]
    return table.codes[index] if index != NO_SEAT else None


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def run_starts() -> Iterator[tuple[str, str]]:
    """(postcode, GSS code) for the first postcode of every run that is a real postcode:
    real GB postcodes spread over every constituency, for tests and benchmarks."""
    table = _range_table()
    for position, key in enumerate(table.keys):
        code = _code_at(table, position)
        text = _from_base36(key)
        postcode = f"{text[:-3]} {text[-3:]}"
        if code and postcode_exists(postcode):
            yield postcode, code


def _from_base36(number: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, 36)
        digits = _BASE36[remainder] + digits
    return digits


# --- Constituencies and MPs ------------------------------------------------------------


class ConstituencyRecord(NamedTuple):
    # A named tuple: 650 of them are built on every offline lookup, and a frozen dataclass
    # takes several times longer to build.
    gss_code: str
    name: str
    nation: str


def _rows(name: str, *columns: str) -> Iterator[list[str]]:
    """A CSV file's rows as lists of the named columns: csv.reader, not DictReader, which
    is three times slower and would make every offline lookup wait for it."""
    reader = csv.reader(io.StringIO(_read(name)))
    header = next(reader)
    positions = [header.index(column) for column in columns]
    for row in reader:
        yield [row[position] for position in positions]


@functools.cache
def constituencies() -> dict[str, ConstituencyRecord]:
    rows = _rows("constituencies_2024.csv", "gss_code", "name", "nation")
    return {gss: ConstituencyRecord(gss, name, nation) for gss, name, nation in rows}


def constituency(gss_code: str) -> Constituency | None:
    record = constituencies().get(gss_code)
    return Constituency(name=record.name, gss_code=record.gss_code) if record else None


def nation_of(gss_code: str) -> str:
    """The name of the nation a constituency GSS code is in ("United Kingdom" if unknown)."""
    nation = nations.by_gss_code(gss_code) if gss_code else None
    return nation.name if nation else "United Kingdom"


@functools.cache
def _mp_rows() -> dict[str, list[str]]:
    rows = _rows("mps_current.csv", "gss_code", "name", "party", "members_api_id", "email")
    return {gss: fields for gss, *fields in rows}


def sitting_mps() -> dict[str, MP]:
    """The snapshot's MP for each constituency GSS code."""
    return {gss: mp for gss in _mp_rows() if (mp := mp_for(gss))}


def _snapshot_mp(name: str, party: str, member_id: str, email: str) -> MP:
    # The snapshot has the display name only: no honorifics, phone or office address.
    return MP(
        name=name,
        full_title=f"{name} MP",
        address_as=name,
        party=party,
        member_id=int(member_id) if member_id else None,
        email=email or None,
        phone=None,
        postal_address=HOUSE_OF_COMMONS_ADDRESS,
    )


@functools.cache
def mp_for(gss_code: str) -> MP | None:
    """The snapshot's MP for a constituency (built on demand: a lookup needs one of 650)."""
    fields = _mp_rows().get(gss_code)
    return _snapshot_mp(*fields) if fields else None


# --- What changed after the snapshot ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeatChange:
    """A change to a seat's MP or their party, known to postdate the MP snapshot."""

    gss_code: str
    constituency_name: str
    seen: date
    """When the change was first seen or reported (not necessarily when it happened)."""
    change: str
    source: str


@functools.cache
def _changes_after_snapshot() -> dict[str, tuple[SeatChange, ...]]:
    as_of = mps_as_of()
    found: dict[str, list[SeatChange]] = {}
    for change in (*_observed_changes(), *_reported_changes()):
        if change.seen > as_of:
            found.setdefault(change.gss_code, []).append(change)
    return {gss: tuple(sorted(changes, key=lambda c: c.seen)) for gss, changes in found.items()}


def _observed_changes() -> Iterator[SeatChange]:
    """Changes seen in later versions of the snapshot's own source (a newer DfE file)."""
    for row in csv.DictReader(io.StringIO(_read("mp_changes_observed.csv"))):
        yield SeatChange(
            gss_code=row["gss_code"],
            constituency_name=row["constituency_name"],
            seen=date.fromisoformat(row["first_seen_in_snapshot"]),
            change=(
                f"{row['before_name']} ({row['before_party']}) became "
                f"{row['after_name']} ({row['after_party']})"
            ),
            source=f"DfE mp-lookup commit {row['dfe_commit']}",
        )


def _reported_changes() -> Iterator[SeatChange]:
    """Changes reported elsewhere but not yet in any snapshot (see ATTRIBUTION.md)."""
    for row in csv.DictReader(io.StringIO(_read("mp_changes_reported.csv"))):
        yield SeatChange(
            gss_code=row["gss_code"],
            constituency_name=row["constituency_name"],
            seen=date.fromisoformat(row["reported"]),
            change=row["change"],
            source=row["source"],
        )


def changes_after_snapshot(gss_code: str) -> tuple[SeatChange, ...]:
    """What is known to have changed for this seat since the MP snapshot was taken."""
    return _changes_after_snapshot().get(gss_code, ())


def seats_changed_after_snapshot() -> tuple[SeatChange, ...]:
    """Every known change after the snapshot, by date."""
    every = (c for changes in _changes_after_snapshot().values() for c in changes)
    return tuple(sorted(every, key=lambda c: (c.seen, c.constituency_name)))


def seat_change_warnings(gss_code: str) -> tuple[str, ...]:
    """One warning per known change to this seat since the snapshot, naming the seat."""
    from actkit.text import format_date

    as_of = format_date(mps_as_of())
    return tuple(
        f"{change.constituency_name}: since the offline MP data ({as_of}), {change.change} "
        f"({format_date(change.seen)}, {change.source}). Check who the MP is online before "
        "sending"
        for change in changes_after_snapshot(gss_code)
    )
