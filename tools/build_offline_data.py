"""Build actkit's binary offline postcode tables from the sources in ``data/``.

    python tools/build_offline_data.py [SOURCE_DIR] [TARGET_DIR]

Reads ``gb_postcodes_2023.txt.gz`` (OS Code-Point Open postcodes by district) and
mySociety's ``pcon_2024.json`` + ``pcon_2024_lookup.json`` (postcode → 2024 constituency
range table), and writes ``gb_postcodes_2023.bin`` and ``pcon_2024.bin`` into
``src/actkit/data/``. The layouts are defined (and read) in ``actkit.offline``; the output
is deterministic, and a test rebuilds it and compares bytes.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

from actkit import offline

REPOSITORY = Path(__file__).resolve().parent.parent
POSTCODE_LIST_SOURCE = "gb_postcodes_2023.txt.gz"
RANGE_SOURCE = "pcon_2024.json"
RANGE_LOOKUP_SOURCE = "pcon_2024_lookup.json"
_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD = re.compile(r"[0-9][A-Z]{2}")


def read_postcode_list(path: Path) -> dict[str, list[str]]:
    """Outward code → inward codes. Lines that are not postcodes are left out: the 2023
    file has four lines of numeric "N2000x 000" entries that no postcode could match."""
    districts: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="ascii") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            outward, *inwards = line.split()
            if not _OUTWARD.fullmatch(outward):
                continue
            districts[outward] = [inward for inward in inwards if _INWARD.fullmatch(inward)]
    return districts


def read_range_table(folder: Path) -> tuple[list[int], list[int], list[str]]:
    """(sorted run keys, per run an index into the codes or NO_SEAT, GSS codes)."""
    raw = json.loads((folder / RANGE_SOURCE).read_text(encoding="utf-8"))
    lookup = json.loads((folder / RANGE_LOOKUP_SOURCE).read_text(encoding="utf-8"))
    codes = sorted(
        {lookup[value]["parlcon_2024_gss_code"] for value in raw["value_values"] if value}
    )
    position = {code: index for index, code in enumerate(codes)}
    by_value = [
        position[lookup[value]["parlcon_2024_gss_code"]] if value else offline.NO_SEAT
        for value in raw["value_values"]
    ]
    seat_indexes = []
    for encoded in _undo_repeat_encoding(raw["value_key"]):
        index = encoded - 1
        # -1 means no constituency; in 31 unallocated gaps of the published table the index
        # is one past the end of value_values, which means the same.
        seat_indexes.append(by_value[index] if 0 <= index < len(by_value) else offline.NO_SEAT)
    return _running_sum(raw["postcode_keys"]), seat_indexes, codes


def _running_sum(deltas: Iterable[int]) -> list[int]:
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


def district_nations(
    districts: dict[str, list[str]], ranges: tuple[list[int], list[int], list[str]]
) -> dict[str, str]:
    """Each district's nation (GSS letter) when every postcode in it maps to one nation."""
    keys, seat_indexes, codes = ranges
    letters: dict[str, str] = {}
    for outward, inwards in districts.items():
        found = set()
        for inward in inwards:
            position = bisect_right(keys, int(outward + inward, 36)) - 1
            index = seat_indexes[position] if position >= 0 else offline.NO_SEAT
            if index != offline.NO_SEAT:
                found.add(codes[index][0])
        if len(found) == 1:
            letters[outward] = found.pop()
    return letters


def build(source: Path, target: Path) -> dict[str, int]:
    districts = read_postcode_list(source / POSTCODE_LIST_SOURCE)
    ranges = read_range_table(source)
    (target / offline.POSTCODE_LIST_FILE).write_bytes(
        offline.pack_postcode_list(districts, district_nations(districts, ranges))
    )
    (target / offline.RANGE_TABLE_FILE).write_bytes(offline.pack_range_table(*ranges))
    return {
        "districts": len(districts),
        "postcodes": sum(map(len, districts.values())),
        "runs": len(ranges[0]),
    }


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else REPOSITORY / "data"
    target = Path(argv[1]) if len(argv) > 1 else REPOSITORY / "src" / "actkit" / "data"
    counts = build(source, target)
    print(", ".join(f"{count:,} {what}" for what, count in counts.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
