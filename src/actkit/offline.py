"""The embedded offline dataset: GB postcode → constituency, and the sitting-MP snapshot.

Read from package data on first use and kept for the life of the process. Attribution and
limits: ``actkit/data/ATTRIBUTION.md`` (shown by ``actkit data info``).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

from actkit.models import HOUSE_OF_COMMONS_ADDRESS, MP, Constituency

NATIONS = {"E": "England", "S": "Scotland", "W": "Wales", "N": "Northern Ireland"}


def _read(name: str) -> str:
    return (files("actkit") / "data" / name).read_text(encoding="utf-8")


@functools.cache
def datasets() -> dict[str, dict[str, Any]]:
    """Descriptions of the embedded files: source, licence, date."""
    loaded: dict[str, dict[str, Any]] = json.loads(_read("datasets.json"))
    return loaded


def attribution() -> str:
    return _read("ATTRIBUTION.md")


def mps_as_of() -> date:
    return date.fromisoformat(datasets()["mps"]["as_of"])


@dataclass(frozen=True, slots=True)
class _RangeTable:
    keys: list[int]
    """Sorted base-36 values of the first postcode of each run."""
    constituency_index: list[int]
    """Per key, an index into ``codes``; -1 means no constituency."""
    codes: list[str | None]


@functools.cache
def _range_table() -> _RangeTable:
    raw = json.loads(_read("pcon_2024.json"))
    lookup = json.loads(_read("pcon_2024_lookup.json"))
    codes = [
        lookup[value]["parlcon_2024_gss_code"] if value else None for value in raw["value_values"]
    ]
    return _RangeTable(
        keys=_running_sum(raw["postcode_keys"]),
        constituency_index=[v - 1 for v in _undo_repeat_encoding(raw["value_key"])],
        codes=codes,
    )


def _running_sum(deltas: list[int]) -> list[int]:
    keys, total = [], 0
    for delta in deltas:
        total += delta
        keys.append(total)
    return keys


def _undo_repeat_encoding(encoded: list[int]) -> list[int]:
    """A 0 after the first two entries repeats the decoded entry two places back."""
    decoded = list(encoded[:2])
    for value in encoded[2:]:
        decoded.append(decoded[-2] if value == 0 else value)
    return decoded


def gss_for_postcode(postcode: str) -> str | None:
    """The constituency GSS code of a normalised GB postcode, or None.

    A range table cannot tell a real postcode from a well-formed fake one: any postcode
    that falls in a run gets that run's constituency. Northern Ireland is not covered, so
    callers must handle BT postcodes before asking.
    """
    table = _range_table()
    position = bisect_right(table.keys, int(postcode.replace(" ", ""), 36)) - 1
    return _code_at(table, position) if position >= 0 else None


def _code_at(table: _RangeTable, position: int) -> str | None:
    # Runs with no constituency decode to -1, or (in 31 unallocated gaps of the published
    # table) to an index one past the end of ``codes``: both mean "no answer".
    index = table.constituency_index[position]
    return table.codes[index] if 0 <= index < len(table.codes) else None


_POSTCODE_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def run_starts() -> Iterator[tuple[str, str]]:
    """(postcode, GSS code) for the first postcode of every run: real GB postcodes spread
    over every constituency, for tests and benchmarks."""
    table = _range_table()
    for position, key in enumerate(table.keys):
        code = _code_at(table, position)
        text = _from_base36(key)
        if code and _POSTCODE_SHAPE.fullmatch(text):
            yield f"{text[:-3]} {text[-3:]}", code


def _from_base36(number: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, 36)
        digits = _BASE36[remainder] + digits
    return digits


@dataclass(frozen=True, slots=True)
class ConstituencyRecord:
    gss_code: str
    name: str
    nation: str


@functools.cache
def constituencies() -> dict[str, ConstituencyRecord]:
    rows = csv.DictReader(io.StringIO(_read("constituencies_2024.csv")))
    return {
        row["gss_code"]: ConstituencyRecord(row["gss_code"], row["name"], row["nation"])
        for row in rows
    }


def constituency(gss_code: str) -> Constituency | None:
    record = constituencies().get(gss_code)
    return Constituency(name=record.name, gss_code=record.gss_code) if record else None


def nation_of(gss_code: str) -> str:
    return NATIONS.get(gss_code[:1], "United Kingdom")


@functools.cache
def sitting_mps() -> dict[str, MP]:
    """The snapshot's MP for each constituency GSS code."""
    rows = csv.DictReader(io.StringIO(_read("mps_current.csv")))
    return {row["gss_code"]: _snapshot_mp(row) for row in rows}


def _snapshot_mp(row: dict[str, str]) -> MP:
    # The snapshot has the display name only: no honorifics, phone or office address.
    return MP(
        name=row["name"],
        full_title=f"{row['name']} MP",
        address_as=row["name"],
        party=row["party"],
        member_id=int(row["members_api_id"]) if row["members_api_id"] else None,
        email=row["email"] or None,
        phone=None,
        postal_address=HOUSE_OF_COMMONS_ADDRESS,
    )


def mp_for(gss_code: str) -> MP | None:
    return sitting_mps().get(gss_code)
