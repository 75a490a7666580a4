"""MSPs, Members of the Senedd and MLAs beside the MP: ``lookup --all/--body`` and
``letter write --to``, against local stand-ins for every service (see tests/fakes_bodies.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeServices
from tests.fakes_bodies import (
    BELFAST_ASSEMBLY,
    BELFAST_POSTCODE,
    CARDIFF_POSTCODE,
    CARDIFF_SENEDD,
    GLASGOW_POSTCODE,
    GLASGOW_SEAT_2021,
    FakeBodies,
    scottish_postcode,
)
from tests.helpers import run

SENDER = ("--name", "Ada Voter", "--address", "1 High Street, Town")


@pytest.fixture
def bodies(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeBodies:
    for variable in ("SCOTTISH_PARLIAMENT", "SENEDD", "NI_ASSEMBLY"):
        monkeypatch.setenv(f"ACTKIT_{variable}_API", services.url)
    return FakeBodies(services)


def lookup_json(*args: str) -> tuple[Any, Any]:
    result = run("lookup", *args, "--json")
    return result, json.loads(result.stdout) if result.exit_code == 0 else None


# --- lookup --all ------------------------------------------------------------------------


def test_a_glasgow_voter_sees_their_mp_and_all_eight_msps(bodies: FakeBodies) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()

    result, data = lookup_json(GLASGOW_POSTCODE, "--all")

    assert result.exit_code == 0, result.stderr
    assert data["postcode"] == GLASGOW_POSTCODE
    assert data["country"] == "Scotland"
    reps = data["representatives"]
    assert [r["role"] for r in reps] == ["MP", "constituency MSP"] + ["regional MSP"] * 7
    assert {r["body"] for r in reps} == {"commons", "scottish-parliament"}
    msp = reps[1]
    assert msp == {
        "body": "scottish-parliament",
        "role": "constituency MSP",
        "area": {"name": "Glasgow Central", "code": "S16000170"},
        "name": "Ailsa Brown",
        "party": "Scottish National Party",
        "email": "ailsa.brown.msp@parliament.scot",  # the default address, not the other
        "phone": None,
        "postal_address": ["The Scottish Parliament", "Edinburgh", "EH99 1SP"],
        "profile_url": None,
        "source": "live",
        "data_as_of": None,
    }
    assert reps[2]["area"] == {"name": "Glasgow", "code": "S17000021"}
    assert reps[0]["name"] == "Martin Rhodes"
    # The member whose seat ended in 2026 is nobody's MSP now.
    assert "Member Former" not in json.dumps(reps)
    # A missing email: left empty, and said.
    assert reps[-1]["email"] is None
    assert any("no email address for Morag Regional6 MSP" in w for w in data["warnings"])
    assert "Warning: The Scottish Parliament lists no email address" in result.stderr


def test_a_cardiff_voter_sees_their_mp_and_six_members_of_the_senedd(bodies: FakeBodies) -> None:
    bodies.cardiff()
    bodies.senedd()

    result, data = lookup_json(CARDIFF_POSTCODE, "--all")

    assert result.exit_code == 0, result.stderr
    reps = data["representatives"]
    assert [r["role"] for r in reps] == ["MP"] + ["MS"] * 6
    members = reps[1:]
    assert {m["area"]["name"] for m in members} == {CARDIFF_SENEDD}
    assert members[0]["name"] == "Eleri Morgan"  # " MS" taken off
    assert members[2]["name"] == "Siân Evans"  # and the Welsh " AS"
    assert members[0]["email"] == "eleri.morgan@senedd.wales"
    assert members[0]["profile_url"] == "https://senedd.wales/people/201"
    assert members[0]["postal_address"] == [
        "Welsh Parliament",
        "Cardiff Bay",
        "Cardiff",
        "CF99 1SN",
    ]
    assert members[5]["email"] is None
    assert any("no email address for Owain Jones MS" in w for w in data["warnings"])


def test_the_senedd_constituency_comes_from_the_westminster_pair_without_postcodes_io_key(
    bodies: FakeBodies,
) -> None:
    bodies.cardiff(senedd_key=False)  # postcodes.io before 19.0.0
    bodies.senedd()

    result, data = lookup_json(CARDIFF_POSTCODE, "--body", "senedd")

    assert result.exit_code == 0, result.stderr
    assert [r["area"]["name"] for r in data["representatives"]] == [CARDIFF_SENEDD] * 6


def test_a_belfast_voter_sees_their_mp_and_five_mlas_with_the_boundary_caveat(
    bodies: FakeBodies,
) -> None:
    bodies.belfast()
    bodies.ni_assembly()

    result, data = lookup_json(BELFAST_POSTCODE, "--all")

    assert result.exit_code == 0, result.stderr
    reps = data["representatives"]
    assert [r["role"] for r in reps] == ["MP"] + ["MLA"] * 5
    mlas = reps[1:]
    # Westminster's "Belfast South and Mid Down" is the Assembly's "Belfast South".
    assert {m["area"]["name"] for m in mlas} == {BELFAST_ASSEMBLY}
    emails = [m["email"] for m in mlas]
    assert emails == [
        "aoife.kelly@mla.niassembly.gov.uk",
        "mark.wilson@co.niassembly.gov.uk",  # the Assembly's domain, not the party's
        "ruth.gray@mla.niassembly.gov.uk",
        None,
        "helen.reid@mla.niassembly.gov.uk",
    ]
    assert mlas[0]["phone"] == "028 9000 0000"
    assert any("pre-2024 Westminster boundaries" in w for w in data["warnings"])
    assert any("no email address for Colm Doherty MLA" in w for w in data["warnings"])


def test_mlas_stay_listed_when_the_contact_list_fails(bodies: FakeBodies) -> None:
    bodies.belfast()
    bodies.ni_assembly(contacts=False)
    bodies.html_error_page("/members.asmx/GetAllMemberContactDetails_JSON")

    result, data = lookup_json(BELFAST_POSTCODE, "--body", "ni-assembly")

    assert result.exit_code == 0, result.stderr
    assert len(data["representatives"]) == 5
    assert {m["email"] for m in data["representatives"]} == {None}
    assert any(
        "NI Assembly" in w and "email addresses are left empty" in w for w in data["warnings"]
    )


def test_an_english_voter_is_told_there_is_only_the_mp(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_mp("Norwich South", 4500, "Clive Lewis", "Labour", "clive.lewis.mp@parliament.uk")

    result, data = lookup_json("NR2 1AB", "--all")

    assert result.exit_code == 0
    assert [r["role"] for r in data["representatives"]] == ["MP"]
    assert any("England has no devolved parliament" in w for w in data["warnings"])

    asked = run("lookup", "NR2 1AB", "--body", "senedd")
    assert asked.exit_code == 1
    assert asked.stderr.startswith("Error: NR2 1AB is in England, which the Senedd")


def test_lookup_without_all_or_body_is_unchanged(bodies: FakeBodies) -> None:
    bodies.glasgow()

    result, data = lookup_json(GLASGOW_POSTCODE)

    assert result.exit_code == 0
    assert set(data) == {
        "postcode",
        "country",
        "constituency",
        "mp",
        "source",
        "data_as_of",
        "warnings",
    }
    assert bodies.count("/api/members") == 0  # the Scottish Parliament is not asked


def test_lookup_all_as_text_groups_by_body(bodies: FakeBodies) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()

    result = run("lookup", GLASGOW_POSTCODE, "--all")

    assert result.exit_code == 0
    out = result.stdout
    assert "House of Commons: MP, Glasgow North (S14000085)" in out
    assert "Scottish Parliament: constituency MSP, Glasgow Central (S16000170)" in out
    assert "Scottish Parliament: 7 regional MSPs, Glasgow (S17000021)" in out
    assert "  Ailsa Brown MSP (Scottish National Party)" in out
    assert "    Email: ailsa.brown.msp@parliament.scot" in out
    assert "    Post:  The Scottish Parliament, Edinburgh, EH99 1SP" in out


# --- A body down ------------------------------------------------------------------------


def test_an_html_error_page_from_the_body_asked_for_exits_3_naming_it(bodies: FakeBodies) -> None:
    bodies.glasgow()
    bodies.html_error_page("/api/constituencies")

    result = run("lookup", GLASGOW_POSTCODE, "--body", "scottish-parliament")

    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Scottish Parliament" in lines[0] and "malformed JSON" in lines[0]


def test_with_all_the_mp_still_answers_when_a_body_is_down(bodies: FakeBodies) -> None:
    bodies.cardiff()
    bodies.html_error_page("/mgwebservice.asmx/GetCouncillorsByWard")

    result, data = lookup_json(CARDIFF_POSTCODE, "--all")

    assert result.exit_code == 0
    assert [r["role"] for r in data["representatives"]] == ["MP"]
    assert any("Senedd" in w and "XML member list" in w for w in data["warnings"])

    asked = run("lookup", CARDIFF_POSTCODE, "--body", "senedd")
    assert asked.exit_code == 3
    assert "Senedd" in asked.stderr


def test_a_pre_2026_scottish_constituency_is_refused(bodies: FakeBodies) -> None:
    bodies.services.add_postcode(GLASGOW_POSTCODE, "Scotland", "Glasgow North", "S14000085")
    bodies.server.expect_request("/scotland/postcodes/G11XQ").respond_with_json(
        scottish_postcode(GLASGOW_POSTCODE, GLASGOW_SEAT_2021, None)
    )
    bodies.scottish_parliament()

    result = run("lookup", GLASGOW_POSTCODE, "--body", "scottish-parliament")

    assert result.exit_code == 3
    assert "pre-2026 constituency" in result.stderr


def test_offline_the_mp_answers_and_devolved_members_need_the_network(
    services: FakeServices,
) -> None:
    result, data = lookup_json("CF10 1EP", "--all", "--offline")

    assert result.exit_code == 0, result.stderr
    assert [r["role"] for r in data["representatives"]] == ["MP"]
    assert data["representatives"][0]["source"] == "offline"
    assert any("need the network" in w and CARDIFF_SENEDD in w for w in data["warnings"])
    assert services.paths_requested() == []


def test_member_lists_are_cached_for_a_day(bodies: FakeBodies) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()

    assert run("lookup", GLASGOW_POSTCODE, "--body", "scottish-parliament").exit_code == 0
    assert run("lookup", GLASGOW_POSTCODE, "--body", "scottish-parliament").exit_code == 0

    assert bodies.count("/api/members") == 1


# --- letter write --to ---------------------------------------------------------------------


def write(*args: str) -> Any:
    return run("letter", "write", "--template", "blank", *SENDER, "--personal", "Hello.", *args)


def test_a_letter_to_the_constituency_msp_is_addressed_to_holyrood(bodies: FakeBodies) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()

    result = write("--postcode", GLASGOW_POSTCODE, "--to", "msp", "--date", "2026-12-01")

    assert result.exit_code == 0, result.stderr
    assert (
        "Ailsa Brown MSP\nThe Scottish Parliament\nEdinburgh\nEH99 1SP\n\nDear Ailsa Brown,"
        in result.stdout
    )


def test_all_msps_gives_eight_letters_in_a_folder(bodies: FakeBodies, tmp_path: Path) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()
    folder = tmp_path / "letters"

    result = write("--postcode", GLASGOW_POSTCODE, "--to", "all-msps", "--output", str(folder))

    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 8
    assert files[0] == "01-ailsa-brown-msp.txt"
    assert "Dear Morag Regional0," in (folder / files[1]).read_text(encoding="utf-8")


def test_several_letters_need_a_folder(bodies: FakeBodies) -> None:
    bodies.cardiff()
    bodies.senedd()

    result = write("--postcode", CARDIFF_POSTCODE, "--to", "ms")

    assert result.exit_code == 2
    assert "6 letters" in result.stderr and "--output FOLDER" in result.stderr


def test_letters_to_members_of_the_senedd_and_mlas(bodies: FakeBodies, tmp_path: Path) -> None:
    bodies.cardiff()
    bodies.senedd()
    bodies.belfast()
    bodies.ni_assembly()

    welsh = write("--postcode", CARDIFF_POSTCODE, "--to", "ms", "-o", str(tmp_path / "ms"))
    irish = write("--postcode", BELFAST_POSTCODE, "--to", "mla", "-o", str(tmp_path / "mla"))

    assert welsh.exit_code == 0, welsh.stderr
    assert irish.exit_code == 0, irish.stderr
    first_ms = (tmp_path / "ms" / "01-eleri-morgan-ms.txt").read_text(encoding="utf-8")
    assert "Eleri Morgan MS\nWelsh Parliament\nCardiff Bay\nCardiff\nCF99 1SN" in first_ms
    first_mla = (tmp_path / "mla" / "01-aoife-kelly-mla.txt").read_text(encoding="utf-8")
    assert (
        "Aoife Kelly MLA\nParliament Buildings\nBallymiscaw\nStormont\nBelfast\nBT4 3XX"
        in first_mla
    )
    assert "pre-2024 Westminster boundaries" in irish.stderr


def test_an_eml_to_an_msp_is_addressed_to_their_email(bodies: FakeBodies, tmp_path: Path) -> None:
    from email import message_from_bytes, policy

    bodies.glasgow()
    bodies.scottish_parliament()
    target = tmp_path / "msp.eml"

    result = write(
        "--postcode",
        GLASGOW_POSTCODE,
        "--to",
        "msp",
        "--email",
        "ada@example.org",
        "-o",
        str(target),
    )

    assert result.exit_code == 0, result.stderr
    message = message_from_bytes(target.read_bytes(), policy=policy.default)
    assert message["To"] == "Ailsa Brown MSP <ailsa.brown.msp@parliament.scot>"


def test_a_template_for_the_commons_is_refused_for_msps_before_any_lookup(
    bodies: FakeBodies,
) -> None:
    result = run(
        "letter",
        "write",
        "--template",
        "syria-civilians",
        *SENDER,
        "--postcode",
        GLASGOW_POSTCODE,
        "--to",
        "msp",
        "--personal",
        "x",
    )

    assert result.exit_code == 2
    assert "written for the House of Commons" in result.stderr
    assert bodies.services.paths_requested() == []


def test_a_campaign_template_declares_its_bodies(bodies: FakeBodies, tmp_path: Path) -> None:
    templates = tmp_path / "campaign" / "letter_templates"
    templates.mkdir(parents=True)
    (templates / "holyrood.md.j2").write_text(
        "---\ntitle: T\ndescription: D\nbodies: [scottish-parliament]\n---\n"
        "Dear {{ rep.address_as }} ({{ rep.role }}), as my {{ mp.role }}\n",
        encoding="utf-8",
    )
    (templates / "typo.md.j2").write_text(
        "---\ntitle: T\ndescription: D\nbodies: [holyrood]\n---\nHi\n", encoding="utf-8"
    )
    campaign = ("--campaign", str(tmp_path / "campaign"))
    bodies.glasgow()
    bodies.scottish_parliament()

    to_mp = run(
        "letter",
        "write",
        "-t",
        "holyrood",
        *campaign,
        *SENDER,
        "--postcode",
        GLASGOW_POSTCODE,
        "--personal",
        "x",
    )
    to_msp = run(
        "letter",
        "write",
        "-t",
        "holyrood",
        *campaign,
        *SENDER,
        "--postcode",
        GLASGOW_POSTCODE,
        "--to",
        "msp",
        "--personal",
        "x",
    )
    typo = run(
        "letter",
        "write",
        "-t",
        "typo",
        *campaign,
        *SENDER,
        "--postcode",
        GLASGOW_POSTCODE,
        "--personal",
        "x",
    )

    assert to_mp.exit_code == 2
    assert "not the House of Commons" in to_mp.stderr
    assert to_msp.exit_code == 0, to_msp.stderr
    assert "Dear Ailsa Brown (constituency MSP), as my constituency MSP" in to_msp.stdout
    assert typo.exit_code == 2
    assert "unknown body 'holyrood'" in typo.stderr


def test_writing_to_msps_from_wales_says_why_not(bodies: FakeBodies) -> None:
    bodies.cardiff()

    result = write("--postcode", CARDIFF_POSTCODE, "--to", "msp")

    assert result.exit_code == 1
    assert "is in Wales, which the Scottish Parliament does not represent" in result.stderr


def test_an_unknown_recipient_is_a_usage_error() -> None:
    result = write("--postcode", GLASGOW_POSTCODE, "--to", "councillor")

    assert result.exit_code == 2
    assert "'councillor' is not one of mp, msp" in result.stderr
