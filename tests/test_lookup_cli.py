"""``actkit lookup`` against a local stand-in for postcodes.io and the Members API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from werkzeug import Response

from tests.fakes import FakeServices, sample
from tests.helpers import run


def add_norwich_south(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_mp("Norwich South", 4500, "Clive Lewis", "Labour", "clive.lewis.mp@parliament.uk")


# --- Each nation, live ------------------------------------------------------------------

NATIONS = [
    # postcode, country, constituency, gss, member id, MP
    ("SE1P 5ZZ", "England", "Bermondsey and Old Southwark", "E14001085", 4368, "Neil Coyle"),
    ("AB10 1AB", "Scotland", "Aberdeen South", "S14000061", 5450, "Douglas Lumsden"),
    ("CF10 1EP", "Wales", "Cardiff South and Penarth", "W07000091", 4264, "Stephen Doughty"),
    (
        "BT1 5GS",
        "Northern Ireland",
        "Belfast South and Mid Down",
        "N05000003",
        4827,
        "Claire Hanna",
    ),
]


@pytest.mark.parametrize(("postcode", "country", "seat", "gss", "member_id", "name"), NATIONS)
def test_lookup_each_nation_live(
    services: FakeServices,
    postcode: str,
    country: str,
    seat: str,
    gss: str,
    member_id: int,
    name: str,
) -> None:
    services.add_postcode(postcode, country, seat, gss)
    email = f"{name.lower().replace(' ', '.')}.mp@parliament.uk"
    services.add_mp(seat, member_id, name, "Some Party", email, phone="020 7219 1234")

    result = run("lookup", postcode, "--json")

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["postcode"] == postcode
    assert data["country"] == country
    assert data["constituency"] == {"name": seat, "gss_code": gss}
    assert data["mp"]["name"] == name
    assert data["mp"]["member_id"] == member_id
    assert data["mp"]["email"] == email
    assert data["mp"]["phone"] == "020 7219 1234"
    assert data["mp"]["postal_address"] == ["House of Commons", "London", "SW1A 0AA"]
    assert data["source"] == "live"
    assert data["data_as_of"] is None
    assert result.stderr == ""


def test_recorded_samples_scotland(services: FakeServices) -> None:
    """The verbatim AB10 1AB recording parses as Aberdeen South."""
    services.server.expect_request("/postcodes/AB101AB").respond_with_json(
        sample("postcodes_AB101AB.json")
    )
    services.add_mp(
        "Aberdeen South",
        5450,
        "Douglas Lumsden",
        "Conservative",
        "douglas.lumsden.mp@parliament.uk",
    )

    data = json.loads(run("lookup", "ab10 1ab", "--json").stdout)

    assert data["constituency"] == {"name": "Aberdeen South", "gss_code": "S14000061"}
    assert data["country"] == "Scotland"


def test_human_output(services: FakeServices) -> None:
    add_norwich_south(services)

    result = run("lookup", "NR2 1AB")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Clive Lewis MP",
        "  Party:        Labour",
        "  Constituency: Norwich South (E14001409)",
        "  Postcode:     NR2 1AB, England",
        "  Email:        clive.lewis.mp@parliament.uk",
        "  Phone:        020 7219 0000",
        "  Post:         House of Commons, London, SW1A 0AA",
        "",
        "Source: live, from postcodes.io and the UK Parliament Members API (Open Parliament "
        "Licence v3.0).",
    ]


def test_constituency_office_from_recorded_contact(services: FakeServices) -> None:
    services.add_postcode("WC1H 9JE", "England", "Holborn and St Pancras", "E14001290")
    member = sample("members_search_starmer_fixture.json")["items"][0]["value"]
    services.add_seat("Holborn and St Pancras", member)
    services.server.expect_request("/api/Members/4514/Contact").respond_with_json(
        sample("members_contact_4514.json")
    )

    data = json.loads(run("lookup", "WC1H 9JE", "--json").stdout)

    assert data["mp"]["name"] == "Sir Keir Starmer"
    assert data["mp"]["full_title"] == "Rt Hon Sir Keir Starmer MP"
    assert data["mp"]["email"] == "keir.starmer.mp@parliament.uk"
    assert data["mp"]["constituency_office"] == {
        "address": ["Constituency Office"],
        "email": "keir.starmer.constituency@parliament.uk",
        "phone": None,
    }


# --- Input handling ---------------------------------------------------------------------


@pytest.mark.parametrize("messy", ["nr21ab", " NR2  1AB ", "Nr2 1aB", "nr2\t1ab"])
def test_messy_input_is_normalised(services: FakeServices, messy: str) -> None:
    add_norwich_south(services)

    result = run("lookup", messy, "--json")

    assert json.loads(result.stdout)["postcode"] == "NR2 1AB"
    assert services.paths_requested()[0] == "/postcodes/NR21AB"


def test_postcode_given_as_two_words(services: FakeServices) -> None:
    add_norwich_south(services)

    assert json.loads(run("lookup", "NR2", "1AB", "--json").stdout)["postcode"] == "NR2 1AB"


@pytest.mark.parametrize("bad", ["FOO", "12345", "NR2 1A", "SW1A 1AAA", "N R 2"])
def test_malformed_postcode_is_rejected_before_any_request(
    services: FakeServices, bad: str
) -> None:
    result = run("lookup", bad)

    assert result.exit_code == 2
    assert "is not a valid UK postcode" in result.stderr
    assert "SW1A 1AA" in result.stderr  # shows what a postcode looks like
    assert len(result.stderr.strip().splitlines()) == 1
    assert services.server.log == []


# --- Valid postcodes without an MP: exit 1 ----------------------------------------------


def test_not_found(services: FakeServices) -> None:
    services.add_postcode_error("ID1 1QE", "postcodes_error_notfound_ID11QE.json")

    result = run("lookup", "ID1 1QE")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ID1 1QE is not a postcode in use")


def test_not_found_never_falls_back_to_offline(services: FakeServices) -> None:
    """The offline range table would answer for any well-formed postcode; the live 'no' wins."""
    services.add_postcode_error("NR2 9ZZ", "postcodes_error_notfound_ID11QE.json")

    result = run("lookup", "NR2 9ZZ", "--json")

    assert result.exit_code == 1
    assert result.stdout == ""


def test_terminated_says_when(services: FakeServices) -> None:
    services.add_postcode_error("AB1 0AA", "postcodes_error_terminated_AB10AA.json")

    result = run("lookup", "AB1 0AA")

    assert result.exit_code == 1
    assert "terminated in June 1996" in result.stderr
    assert "current postcode" in result.stderr


def test_server_says_invalid(services: FakeServices) -> None:
    services.add_postcode_error("ZZ1 1ZZ", "postcodes_error_invalid_FOO.json")

    assert run("lookup", "ZZ1 1ZZ").exit_code == 2


@pytest.mark.parametrize("postcode", ["JE2 4WD", "GY1 1AA", "IM1 1AA"])
def test_crown_dependencies_have_no_mp(services: FakeServices, postcode: str) -> None:
    result = run("lookup", postcode)

    assert result.exit_code == 1
    assert "no MP at Westminster" in result.stderr
    assert services.server.log == []  # known from the postcode alone: nothing sent


def test_jersey_recording_parses_as_channel_islands() -> None:
    from actkit.postcodes import parse_place

    place = parse_place(sample("postcodes_JE24WD_reconstructed.json")["result"])

    assert place.country == "Channel Islands"
    assert place.constituency is None


def test_vacant_seat(services: FakeServices) -> None:
    services.add_postcode("M34 3AA", "England", "Gorton and Denton", "E14001251")
    services.add_seat("Gorton and Denton", None)

    result = run("lookup", "M34 3AA")

    assert result.exit_code == 1
    assert "Gorton and Denton has no MP at the moment" in result.stderr
    assert "vacant" in result.stderr


# --- Network trouble ------------------------------------------------------------------


def test_429_then_success(services: FakeServices) -> None:
    services.server.expect_oneshot_request("/postcodes/NR21AB").respond_with_json(
        {"status": 429, "error": "slow down"}, status=429, headers={"Retry-After": "0"}
    )
    add_norwich_south(services)

    result = run("lookup", "NR2 1AB", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["source"] == "live"
    assert services.paths_requested().count("/postcodes/NR21AB") == 2


def test_long_retry_after_is_not_waited_for(services: FakeServices) -> None:
    services.server.expect_request("/postcodes/NR21AB").respond_with_json(
        {}, status=429, headers={"Retry-After": "3123"}
    )

    started = time.monotonic()
    result = run("lookup", "NR2 1AB", "--json")

    assert time.monotonic() - started < 30
    assert result.exit_code == 0
    assert json.loads(result.stdout)["source"] == "offline"
    assert "rate limited" in result.stderr
    assert services.paths_requested() == ["/postcodes/NR21AB"]


def test_5xx_until_retries_run_out_falls_back_offline(services: FakeServices) -> None:
    services.server.expect_request("/postcodes/NR21AB").respond_with_data("oops", status=503)

    result = run("lookup", "NR2 1AB", "--json")

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["source"] == "offline"
    assert data["data_as_of"] == "2026-06-27"
    assert data["mp"]["member_id"] == 4500
    assert "postcodes.io is unavailable: HTTP 503" in result.stderr
    assert services.paths_requested().count("/postcodes/NR21AB") == 4  # 1 + 3 retries
    assert "Traceback" not in result.output


def test_timeout_falls_back_offline(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actkit.http.TIMEOUT", (1.0, 0.2))
    monkeypatch.setattr("actkit.http.RETRIES", 1)

    def slow(_request: Any) -> Response:
        time.sleep(0.5)
        return Response("{}", content_type="application/json")

    services.server.expect_request("/postcodes/NR21AB").respond_with_handler(slow)

    result = run("lookup", "NR2 1AB", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["source"] == "offline"
    assert "did not answer in time" in result.stderr
    # Let the server finish the abandoned requests so they are not logged in the next test.
    deadline = time.monotonic() + 5
    while len(services.server.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert services.paths_requested() == ["/postcodes/NR21AB"] * 2  # 1 + 1 retry


def test_malformed_json_falls_back_and_is_not_cached(services: FakeServices) -> None:
    services.server.expect_request("/postcodes/NR21AB").respond_with_data(
        "{not json", content_type="application/json"
    )

    first = run("lookup", "NR2 1AB", "--json")
    second = run("lookup", "NR2 1AB", "--json")

    assert json.loads(first.stdout)["source"] == "offline"
    assert "malformed JSON" in first.stderr
    assert "malformed JSON" in second.stderr  # asked again, not served from the cache
    assert services.paths_requested().count("/postcodes/NR21AB") == 2


def test_unexpected_shape_falls_back(services: FakeServices) -> None:
    services.server.expect_request("/postcodes/NR21AB").respond_with_json(
        {"status": 200, "result": [1, 2]}
    )

    result = run("lookup", "NR2 1AB", "--json")

    assert json.loads(result.stdout)["source"] == "offline"
    assert "unexpected response shape" in result.stderr


def test_members_api_down_uses_offline_mp(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.server.expect_request("/api/Location/Constituency/Search").respond_with_data(
        "", status=500
    )

    result = run("lookup", "NR2 1AB", "--json")

    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert data["source"] == "offline"
    assert data["mp"]["name"] == "Clive Lewis"
    assert "Members API is unavailable" in result.stderr
    assert "MP details as of 27 June 2026" in result.stderr


def test_contact_down_keeps_live_member_and_snapshot_email(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_seat(
        "Norwich South",
        __import__("tests.fakes").fakes.member_value(
            4500, "Clive Lewis", "Labour", "Norwich South"
        ),
    )
    services.server.expect_request("/api/Members/4500/Contact").respond_with_data("", status=502)

    data = json.loads(run("lookup", "NR2 1AB", "--json").stdout)

    assert data["source"] == "offline"
    assert data["mp"]["email"] == "clive.lewis.mp@parliament.uk"


def test_services_unreachable_fall_back_with_warning() -> None:
    """conftest points both services at a closed port."""
    result = run("lookup", "NR2 1AB", "--json")

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["source"] == "offline"
    assert data["mp"]["name"] == "Clive Lewis"
    warnings = result.stderr
    assert "postcodes.io is unavailable: the connection was refused" in warnings
    assert "offline data" in warnings and "days old" in warnings
    assert "postcodes are checked against the 2023 list" in warnings


def test_northern_ireland_unreachable_is_exit_3() -> None:
    result = run("lookup", "BT1 5GS")

    assert result.exit_code == 3
    assert "Northern Ireland" in result.stderr
    assert "not in the offline data" in result.stderr


# --- Offline mode and the cache ---------------------------------------------------------


def test_offline_flag_sends_nothing(services: FakeServices) -> None:
    result = run("lookup", "SE1P 5ZZ", "--offline", "--json")

    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert data["constituency"] == {"name": "Bermondsey and Old Southwark", "gss_code": "E14001085"}
    assert data["source"] == "offline"
    assert data["mp"]["phone"] is None
    assert data["mp"]["postal_address"] == ["House of Commons", "London", "SW1A 0AA"]
    assert services.server.log == []


def test_offline_human_output_says_so() -> None:
    result = run("lookup", "SE1P 5ZZ", "--offline")

    assert "Source: offline data of 27 June 2026" in result.stdout
    assert result.stderr.count("Warning:") == 1


def test_second_call_is_served_from_cache(services: FakeServices) -> None:
    add_norwich_south(services)

    first = run("lookup", "NR2 1AB", "--json")
    second = run("lookup", "NR2 1AB", "--json")

    assert first.stdout == second.stdout
    assert services.paths_requested() == [
        "/postcodes/NR21AB",
        "/api/Location/Constituency/Search",
        "/api/Members/4500/Contact",
    ]


def test_user_agent_names_actkit(services: FakeServices) -> None:
    add_norwich_south(services)

    run("lookup", "NR2 1AB")

    request = services.server.log[0][0]
    assert request.headers["User-Agent"].startswith("actkit/")


def test_only_the_postcode_leaves_the_machine(services: FakeServices) -> None:
    add_norwich_south(services)

    run("lookup", "NR2 1AB")

    for request, _ in services.server.log:
        assert request.method == "GET"
        assert request.get_data() == b""


def test_cache_info_and_clear(services: FakeServices) -> None:
    add_norwich_south(services)
    run("lookup", "NR2 1AB")

    info = json.loads(run("cache", "info", "--json").stdout)
    assert info["responses"] == 3
    human = run("cache", "info").stdout
    assert "3 responses" in human

    cleared = run("cache", "clear")
    assert cleared.exit_code == 0
    assert "3 responses" in cleared.stderr
    assert json.loads(run("cache", "info", "--json").stdout)["responses"] == 0


def test_data_info_names_sources_and_licences() -> None:
    result = run("data", "info")

    assert result.exit_code == 0
    for expected in (
        "2026-06-27",
        "Open Parliament Licence v3.0",
        "CC BY 4.0",
        "mySociety",
        "Northern Ireland",
    ):
        assert expected in result.stdout
    data = json.loads(run("data", "info", "--json").stdout)
    assert set(data["datasets"]) == {
        "mps",
        "constituencies",
        "postcodes",
        "postcode_list",
        "mp_changes",
        "mp_changes_reported",
    }
    assert "Contains OS data © Crown copyright and database right 2023" in data["attribution"]
    assert "Clacton" in {change["constituency"] for change in data["changes_after_snapshot"]}


def test_a_damaged_cache_does_not_stop_lookups(
    services: FakeServices, isolated_environment: Any
) -> None:
    add_norwich_south(services)
    cache = isolated_environment / "cache" / "http-cache.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not a database" * 100)

    result = run("lookup", "NR2 1AB", "--json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "live"
    assert "damaged" in run("cache", "info").stdout
    assert run("cache", "clear").exit_code == 0
    assert not cache.exists()
