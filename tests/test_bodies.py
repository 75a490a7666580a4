"""The body adapters' readers, on their own: shapes the reference warns about."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actkit.bodies import BODY_IDS, BODY_NAMES
from actkit.bodies.ni_assembly import _envelope, assembly_name
from actkit.bodies.registry import RECIPIENTS, adapters
from actkit.bodies.scottish_parliament import parse_areas
from actkit.bodies.senedd import WESTMINSTER_PAIRS, parse_wards
from actkit.errors import ServiceUnavailable
from tests.fakes import FakeServices
from tests.fakes_bodies import GLASGOW_POSTCODE, FakeBodies, senedd_xml
from tests.helpers import run


def test_every_body_has_one_adapter_and_every_group_a_known_body() -> None:
    assert tuple(adapter.body_id for adapter in adapters()) == BODY_IDS
    assert set(BODY_NAMES) == set(BODY_IDS)
    assert {group.body_id for group in RECIPIENTS.values()} <= {*BODY_IDS, None}


def test_the_senedd_pairs_cover_sixteen_constituencies_of_32_distinct_seats() -> None:
    seats = [code for pair in WESTMINSTER_PAIRS.values() for code in pair]
    assert len(WESTMINSTER_PAIRS) == 16
    assert len(set(seats)) == 32
    assert all(code.startswith("W07") for code in seats)


def test_scottish_areas_2026_shape_with_the_2021_keys_ignored() -> None:
    # The EH1 2NG example in the reference (postcodes.io 19.x with the *_2021 keys).
    areas = parse_areas(
        {
            "postcode": "EH1 2NG",
            "scottish_parliamentary_constituency": "Edinburgh Central",
            "scottish_parliamentary_constituency_2021": "Edinburgh Central",
            "scottish_parliamentary_region": "Edinburgh and Lothians East",
            "scottish_parliamentary_region_2021": "Lothian",
            "codes": {
                "scottish_parliamentary_constituency": "S16000182",
                "scottish_parliamentary_constituency_2021": "S16000104",
                "scottish_parliamentary_region": "S17000022",
                "scottish_parliamentary_region_2021": "S17000012",
            },
        }
    )
    assert areas.constituency.name == "Edinburgh Central"
    assert areas.constituency.code == "S16000182"
    assert areas.region is not None and areas.region.code == "S17000022"


def test_a_stale_scottish_constituency_code_is_refused() -> None:
    # Up to postcodes.io v18: 2014-review code, no region.
    with pytest.raises(ServiceUnavailable, match="pre-2026"):
        parse_areas(
            {
                "postcode": "ML11 0GH",
                "scottish_parliamentary_constituency": "Clydesdale",
                "codes": {"scottish_parliamentary_constituency": "S16000090"},
            }
        )


def test_ni_members_envelope_tolerates_one_member_as_an_object() -> None:
    one = {"AllMembersList": {"Member": {"PersonId": "1", "ConstituencyName": "Foyle"}}}
    assert _envelope(one) == [{"PersonId": "1", "ConstituencyName": "Foyle"}]
    with pytest.raises(ServiceUnavailable, match="AllMembersList"):
        _envelope({"AllConstituencies": {}})


def test_the_assembly_keeps_its_pre_2024_name_for_belfast_south() -> None:
    assert assembly_name("Belfast South and Mid Down") == "Belfast South"
    assert assembly_name("Foyle") == "Foyle"


def test_senedd_wards_are_matched_by_name_whatever_the_accents() -> None:
    wards = parse_wards(senedd_xml({"Gŵyr Abertawe": [("1", "A B MS", "P", None)]}))
    assert list(wards) == ["gwyr abertawe"]


@settings(deadline=None)  # the machine is shared: timing is not what is tested
@given(st.text(max_size=300))
def test_any_answer_from_the_senedd_is_read_or_refused_cleanly(document: str) -> None:
    try:
        wards = parse_wards(document)
    except ServiceUnavailable as error:
        assert "Senedd" in str(error)
    else:
        assert isinstance(wards, dict)


def test_an_xml_bomb_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><councillorsbyward>&lol2;</councillorsbyward>'
    )
    with pytest.raises(ServiceUnavailable):
        parse_wards(bomb)


def test_a_scottish_postcode_missing_from_the_scottish_directory(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTKIT_SCOTTISH_PARLIAMENT_API", services.url)
    bodies = FakeBodies(services)
    services.add_postcode(GLASGOW_POSTCODE, "Scotland", "Glasgow North", "S14000085")
    services.server.expect_request("/scotland/postcodes/G11XQ").respond_with_json(
        {"status": 404, "error": "Postcode exists in ONSPD but not in SPD"}, status=404
    )
    bodies.scottish_parliament()

    result = run("lookup", GLASGOW_POSTCODE, "--body", "scottish-parliament")

    assert result.exit_code == 1
    assert "not in the Scottish Postcode Directory" in result.stderr
    assert "find-your-msp" in result.stderr


def test_without_a_region_from_postcodes_io_the_parliament_s_link_gives_it(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTKIT_SCOTTISH_PARLIAMENT_API", services.url)
    bodies = FakeBodies(services)
    bodies.glasgow(region=False)
    bodies.scottish_parliament()

    result = run("lookup", GLASGOW_POSTCODE, "--body", "scottish-parliament", "--json")

    assert result.exit_code == 0, result.stderr
    data: Any = json.loads(result.stdout)
    roles = [r["role"] for r in data["representatives"]]
    assert roles == ["constituency MSP"] + ["regional MSP"] * 7
    assert data["representatives"][1]["area"] == {"name": "Glasgow", "code": None}
