"""Postcode normalisation and the offline decoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actkit import offline
from actkit.errors import InvalidPostcode
from actkit.postcodes import crown_dependency, is_northern_ireland, normalise_postcode


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("nr21ab", "NR2 1AB"),
        (" NR2  1AB ", "NR2 1AB"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("b338th", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("dn55 1pt", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("ec1a\t1bb", "EC1A 1BB"),
    ],
)
def test_normalise(given_text: str, expected: str) -> None:
    assert normalise_postcode(given_text) == expected


@pytest.mark.parametrize(
    "bad", ["", "   ", "FOO", "NR2", "1AB", "NR2 1A", "NR21 1ABC", "2NR 1AB", "ÉC1A 1BB", "NR2-1AB"]
)
def test_reject(bad: str) -> None:
    with pytest.raises(InvalidPostcode, match="SW1A 1AA"):
        normalise_postcode(bad)


OUTWARD = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True)
INWARD = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)


@st.composite
def well_formed_postcodes(draw: st.DrawFn) -> str:
    return f"{draw(OUTWARD)} {draw(INWARD)}"


@given(well_formed_postcodes(), st.sampled_from(["", " ", "  "]), st.booleans())
def test_normalise_ignores_case_and_spacing(postcode: str, gap: str, lower: bool) -> None:
    outward, inward = postcode.split()
    messy = f" {outward}{gap}{inward} "
    messy = messy.lower() if lower else messy
    assert normalise_postcode(messy) == postcode
    assert normalise_postcode(normalise_postcode(messy)) == postcode  # idempotent


@given(st.text(max_size=12))
def test_normalise_never_raises_anything_else(text: str) -> None:
    try:
        result = normalise_postcode(text)
    except InvalidPostcode:
        return
    assert result == result.strip().upper()


def test_areas() -> None:
    assert crown_dependency("JE2 4WD") == "Channel Islands"
    assert crown_dependency("GY1 1AA") == "Channel Islands"
    assert crown_dependency("IM1 1AA") == "Isle of Man"
    assert crown_dependency("IP1 1AA") is None
    assert is_northern_ireland("BT1 5GS")
    assert not is_northern_ireland("B1 1AA")


# --- offline decoder -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "gss", "name"),
    [
        # The worked examples in the data's FORMAT.md, which agree with the live API samples.
        ("SE1P 5ZZ", "E14001085", "Bermondsey and Old Southwark"),
        ("AB10 1AB", "S14000061", "Aberdeen South"),
    ],
)
def test_offline_worked_examples(postcode: str, gss: str, name: str) -> None:
    assert offline.gss_for_postcode(postcode) == gss
    found = offline.constituency(gss)
    assert found is not None and found.name == name


def test_offline_tables_are_complete() -> None:
    assert len(offline.constituencies()) == 650
    assert len(offline.sitting_mps()) == 650
    table = offline._range_table()
    assert list(table.keys) == sorted(table.keys)
    gb_codes = {code for code in table.codes if code}
    assert len(gb_codes) == 632  # 650 less Northern Ireland's 18
    assert all(code in offline.constituencies() for code in gb_codes)


@given(well_formed_postcodes())
def test_offline_any_gb_postcode_gives_a_seat_or_none(postcode: str) -> None:
    gss = offline.gss_for_postcode(postcode)
    assert gss is None or gss in offline.constituencies()
