"""Offline answers are exact: only postcodes in the 2023 list get an MP, seats the snapshot
is known to be wrong about are named, and the nation of a postcode needs no network."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from actkit import nations, offline, postcodes
from actkit.errors import (
    InvalidPostcode,
    NoSuchDistrict,
    NotInOfflineList,
    NotInUK,
    OfflineUnavailable,
    PostcodeNotFound,
)
from actkit.representatives import find_mp
from tests.helpers import run

REPOSITORY = Path(__file__).resolve().parent.parent
NOT_IN_LIST = "not in the offline list of 2023 postcodes: mistyped, terminated or new"


def lookup_offline(postcode: str) -> Any:
    return run("lookup", postcode, "--offline", "--json")


# --- the cases in the issue and in the data's FORMAT.md --------------------------------


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [
        ("AB1 0AA", "no such district"),  # terminated 1996 (Aberdeen)
        ("ZZ9 9ZZ", "no such district"),
        ("QQ1 1AA", "no such district"),
        ("EC1A 1ZZ", NOT_IN_LIST),
        ("W1A 0AX", NOT_IN_LIST),
    ],
)
def test_postcodes_that_do_not_exist_get_no_mp_offline(postcode: str, reason: str) -> None:
    result = lookup_offline(postcode)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert reason in result.stderr
    assert result.stderr.count("\n") == 1  # one clear line


def test_not_in_list_says_what_to_do() -> None:
    result = lookup_offline("EC1A 1ZZ")

    assert "check it or run online" in result.stderr


@pytest.mark.parametrize(
    ("postcode", "gss", "seat"),
    [
        # FORMAT.md's worked examples, which agree with the live API samples.
        ("SE1P 5ZZ", "E14001085", "Bermondsey and Old Southwark"),
        ("AB10 1AB", "S14000061", "Aberdeen South"),
        ("NR2 1AB", "E14001409", "Norwich South"),
    ],
)
def test_real_postcodes_still_answer_offline(postcode: str, gss: str, seat: str) -> None:
    result = lookup_offline(postcode)

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["constituency"] == {"name": seat, "gss_code": gss}
    assert data["source"] == "offline"
    assert "checked against the 2023 list" in data["warnings"][0]


@pytest.mark.parametrize("text", ["nonsense", "N20000 001", "12345", "SW1A"])
def test_only_what_no_postcode_could_look_like_is_exit_2(text: str) -> None:
    result = lookup_offline(text)

    assert result.exit_code == 2
    assert "is not a valid UK postcode" in result.stderr


def test_format_md_examples_of_the_list() -> None:
    assert offline.postcode_exists("AB10 1AB")
    assert offline.postcode_exists("SE1P 5ZZ")
    for district in ("AB1", "ZZ9", "QQ1"):
        assert not offline.district_exists(district)
    for postcode in ("EC1A 1ZZ", "W1A 0AX"):
        assert offline.district_exists(postcode.split()[0])
        assert not offline.postcode_exists(postcode)


def test_reasons_are_codes_not_messages() -> None:
    with pytest.raises(NoSuchDistrict) as no_district:
        postcodes.check_exists_offline("AB1 0AA")
    with pytest.raises(NotInOfflineList) as not_listed:
        postcodes.check_exists_offline("W1A 0AX")

    assert no_district.value.reason == "no such district"
    assert not_listed.value.reason == "not in offline postcode list"
    assert isinstance(not_listed.value, PostcodeNotFound)


# --- every postcode in the source, and random ones that are not --------------------------


@cache
def source_postcodes() -> frozenset[str]:
    """Every postcode in the shipped list's source file, read the plain way."""
    found = set()
    with gzip.open(REPOSITORY / "data" / "gb_postcodes_2023.txt.gz", "rt") as lines:
        for line in lines:
            if not line.startswith("#"):
                outward, *inwards = line.split()
                found.update(f"{outward} {inward}" for inward in inwards)
    return frozenset(found)


def test_postcodes_in_the_source_exist() -> None:
    real = sorted(p for p in source_postcodes() if not p.startswith("N2000"))  # ATTRIBUTION.md
    assert len(real) == 1_734_274
    # Every 17th, spread over every district (the rebuild test below covers the rest).
    assert all(offline.postcode_exists(postcode) for postcode in real[::17])


OUTWARD = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True)
INWARD = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)
# Half the time, a district that exists: the hard case, where only the inward code is wrong.
DISTRICTS = st.one_of(OUTWARD, st.sampled_from(sorted(offline._postcode_list().districts)))


@settings(max_examples=300, deadline=None)
@given(DISTRICTS, INWARD)
def test_no_postcode_absent_from_the_list_gets_an_mp_offline(outward: str, inward: str) -> None:
    postcode = f"{outward} {inward}"
    assume(outward[:2] not in ("BT", "JE", "GY", "IM"))
    if postcode in source_postcodes():
        try:
            assert find_mp(postcode, offline=True).postcode == postcode
        except OfflineUnavailable as unplaced:  # in the list, not in the constituency table
            assert postcode in str(unplaced) and "without --offline" in str(unplaced)
        return
    with pytest.raises(PostcodeNotFound) as refused:
        find_mp(postcode, offline=True)
    expected = NotInOfflineList if offline.district_exists(outward) else NoSuchDistrict
    assert type(refused.value) is expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(offline._postcode_list().districts)), INWARD)
def test_existence_agrees_with_the_source(outward: str, inward: str) -> None:
    postcode = f"{outward} {inward}"
    assert offline.postcode_exists(postcode) == (postcode in source_postcodes())


# --- batches ------------------------------------------------------------------------------


def test_batch_row_with_a_missing_postcode_fails_with_its_reason(tmp_path: Path) -> None:
    supporters = tmp_path / "s.csv"
    supporters.write_text(
        "Name,Address,Postcode,Personal\n"
        "Real Person,1 High Street,NR2 1AB,I care.\n"
        "Old Address,2 Low Road,AB1 0AA,I care.\n"
        "Typo Person,3 Park Lane,EC1A 1ZZ,I care.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"

    result = run(
        "letter", "batch", str(supporters), "-t", "blank", "--out", str(out), "--offline",
        "--date", "2026-11-25",
    )  # fmt: skip

    with (out / "manifest.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["name"]: row for row in csv.DictReader(handle)}
    assert rows["Real Person"]["status"] == "ok"
    for name, reason in (("Old Address", "no such district"), ("Typo Person", NOT_IN_LIST)):
        assert rows[name]["status"] == "failed"
        assert rows[name]["file"] == ""
        assert reason in rows[name]["error"]
    assert sorted(p.name for p in out.iterdir()) == [
        "000002-real-person.txt",  # spreadsheet row 2: the header is row 1
        "batch.json",
        "manifest.csv",
    ]
    assert "1 no such district" in result.stderr
    assert "1 not in offline postcode list" in result.stderr


# --- seats that changed after the snapshot ------------------------------------------------

CLACTON = "CO15 1AA"


def test_clacton_lookup_warns_by_name() -> None:
    assert offline.postcode_exists(CLACTON)
    result = lookup_offline(CLACTON)

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["constituency"]["name"] == "Clacton"
    clacton = [w for w in data["warnings"] if w.startswith("Clacton:")]
    assert len(clacton) == 1 and "resigned" in clacton[0]
    assert "Clacton:" in result.stderr  # the text form too

    text = run("lookup", CLACTON, "--offline")
    assert "Warning: Clacton: since the offline MP data (27 June 2026)" in text.stderr


def test_unchanged_seat_has_no_seat_warning() -> None:
    data = json.loads(lookup_offline("NR2 1AB").stdout)

    assert len(data["warnings"]) == 1  # the age of the data only


def test_clacton_letter_carries_the_warning(tmp_path: Path) -> None:
    result = run(
        "letter", "write", "-t", "blank", "--offline", "--name", "A Person",
        "--address", "1 Street, Clacton", "--postcode", CLACTON, "--personal", "Hello.",
        "--output", str(tmp_path / "letter.txt"),
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert "Warning: Clacton: since the offline MP data" in result.stderr


def test_clacton_batch_reports_the_warning(tmp_path: Path) -> None:
    supporters = tmp_path / "s.csv"
    supporters.write_text(
        "Name,Address,Postcode,Personal\nA Person,1 Street,CO15 1AA,Hello.\n", encoding="utf-8"
    )

    result = run(
        "letter", "batch", str(supporters), "-t", "blank", "--out", str(tmp_path / "o"),
        "--offline", "--date", "2026-11-25",
    )  # fmt: skip

    assert "Clacton: since the offline MP data" in result.stderr


def test_a_change_seen_after_the_snapshot_date_in_the_observed_history_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mechanism, not the example: an older snapshot makes later history a warning."""
    from datetime import date

    offline._changes_after_snapshot.cache_clear()
    monkeypatch.setattr(offline, "mps_as_of", lambda: date(2026, 6, 1))
    try:
        warnings = offline.seat_change_warnings("E14001350")  # Makerfield, by-election
    finally:
        offline._changes_after_snapshot.cache_clear()

    assert any(w.startswith("Makerfield:") and "Andy Burnham" in w for w in warnings)


# --- the nation of a postcode, with no network -------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "nation"),
    [
        ("BT1 1AA", "northern-ireland"),
        ("bt48 6da", "northern-ireland"),
        ("BT99 9ZZ", "northern-ireland"),  # any BT postcode: no list needed
        ("NR2 1AB", "england"),
        ("AB10 1AB", "scotland"),
        ("CF10 1EP", "wales"),
        ("SE1P 5ZZ", "england"),
    ],
)
def test_nation_of(postcode: str, nation: str) -> None:
    assert postcodes.nation_of(postcode) == nations.by_id(nation)


def test_nation_of_a_new_postcode_in_a_one_nation_district() -> None:
    assert not offline.postcode_exists("W1A 0AX")
    assert postcodes.nation_of("W1A 0AX") == nations.by_id("england")


def test_nation_of_refusals() -> None:
    with pytest.raises(NoSuchDistrict):
        postcodes.nation_of("ZZ9 9ZZ")
    with pytest.raises(NotInUK):
        postcodes.nation_of("JE2 4WD")
    with pytest.raises(InvalidPostcode):
        postcodes.nation_of("nonsense")


def test_border_districts_answer_per_postcode() -> None:
    """A district on a border has no single nation; its listed postcodes still answer."""
    mixed = [d for d, i in offline._postcode_list().districts.items() if not _single(d)]
    assert mixed, "expected some districts that straddle a border"
    for postcode, gss in offline.run_starts():
        if postcode.split()[0] in mixed:
            assert postcodes.nation_of(postcode) == nations.by_gss_code(gss)
            break


def _single(district: str) -> bool:
    return offline.district_nation_letter(district) is not None


def test_offline_lookup_and_nation_need_no_http_stack() -> None:
    import subprocess

    probe = (
        "import sys\n"
        "sys.argv = ['actkit', 'lookup', 'NR21AB', '--offline']\n"
        "from actkit.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from actkit.postcodes import nation_of\n"
        "nation_of('BT1 1AA'); nation_of('NR2 1AB')\n"
        "heavy = ['requests', 'requests_cache', 'urllib3', 'yaml', 'jinja2']\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stderr.rsplit("LOADED:", 1)[1].strip() == ""


# --- the shipped binary tables are exactly what the build tool makes ----------------------


def build_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_offline_data", REPOSITORY / "tools" / "build_offline_data.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_tables_are_rebuilt_byte_for_byte(tmp_path: Path) -> None:
    build_tool().build(REPOSITORY / "data", tmp_path)
    shipped = REPOSITORY / "src" / "actkit" / "data"

    for name in (offline.POSTCODE_LIST_FILE, offline.RANGE_TABLE_FILE):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_repeat_encoding_of_the_range_source() -> None:
    # "a 0 means repeat the decoded entry two places before this one"
    assert build_tool()._undo_repeat_encoding([5, 7, 0, 0, 3, 0]) == [5, 7, 5, 7, 3, 7]


def test_inward_codes_never_use_letters_royal_mail_leaves_out() -> None:
    for letters in ("C", "I", "K", "M", "O", "V"):
        assert offline.inward_index(f"1A{letters}") is None
    assert offline.inward_index("0AA") == 0
    assert offline.inward_index("9ZZ") == offline.INWARD_CODES - 1


def test_live_lookup_does_not_import_unused_serializers(tmp_path: Path) -> None:
    """requests-cache would import YAML and TOML libraries for serializers actkit never uses."""
    import os
    import subprocess

    probe = (
        "import sys\n"
        "from actkit.http import HttpClient\n"
        "from actkit.representatives import find_mp\n"
        "with HttpClient() as client:\n    pass\n"
        "unused = ['yaml', 'tomlkit', 'bson', 'ujson', 'orjson']\n"
        "print('LOADED:' + ','.join(m for m in unused if m in sys.modules), file=sys.stderr)\n"
        "import yaml\n"  # and they still import normally afterwards
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ACTKIT_HOME": str(tmp_path)},
    )
    assert completed.stderr.rsplit("LOADED:", 1)[1].strip() == ""
    assert any(tmp_path.rglob("http-cache.sqlite"))  # the cache itself still works


def test_services_down_a_missing_postcode_gets_no_mp_either() -> None:
    """conftest points both services at a closed port: the fallback checks the list too."""
    result = run("lookup", "EC1A 1ZZ")

    assert result.exit_code == 1
    assert NOT_IN_LIST in result.stderr
    assert "try again later (postcodes.io is unavailable" in result.stderr
    assert result.stdout == ""


def test_batch_with_the_service_down_checks_the_list_too(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/postcodes", method="POST").respond_with_data("busy", status=503)
    monkeypatch.setenv("ACTKIT_POSTCODES_API", httpserver.url_for("").rstrip("/"))
    supporters = tmp_path / "s.csv"
    supporters.write_text(
        "Name,Address,Postcode,Personal\nTypo Person,3 Park Lane,EC1A 1ZZ,I care.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"

    result = run(
        "letter", "batch", str(supporters), "-t", "blank", "--out", str(out),
        "--date", "2026-11-25",
    )  # fmt: skip

    assert result.exit_code == 1
    with (out / "manifest.csv").open(encoding="utf-8-sig") as handle:
        (row,) = csv.DictReader(handle)
    assert row["status"] == "failed"
    assert NOT_IN_LIST in row["error"] and "try again later" in row["error"]
    assert "1 not in offline postcode list" in result.stderr


def test_a_listed_postcode_the_table_does_not_place_is_unknown_offline_not_guessed() -> None:
    """BN91 9AA is in the 2023 postcode list but in no constituency of the offline table (a
    postcode without a fixed place): exit 3 and a way on, never a neighbour's MP."""
    assert "BN91 9AA" in source_postcodes()

    result = run("lookup", "BN91 9AA", "--offline")

    assert result.exit_code == 3
    assert "no constituency" in result.stderr and "without --offline" in result.stderr
    assert result.stdout == ""
