"""MSPs, Members of the Senedd and MLAs beside the MP: ``lookup --all/--body`` and
``letter write --to``, against local stand-ins for every service (see tests/fakes_bodies.py)."""

from __future__ import annotations

import functools
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
    # Warnings are about the letter's recipients: not a regional MSP's missing email.
    assert "Regional6" not in result.stderr


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


# --- letter batch --to ----------------------------------------------------------------------


@pytest.fixture
def everything(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every service on one server: the batch stand-in for postcodes.io and the Members API
    (answers for any GB postcode), and the devolved stand-ins above."""
    import re

    from werkzeug import Response

    from tests.fakes_bodies import (
        GLASGOW_REGION,
        GLASGOW_SEAT,
        SENEDD_MEMBERS,
        scottish_collections,
        senedd_xml,
    )
    from tests.standin import StandIn

    standin = StandIn()
    collections = scottish_collections()
    counts: dict[str, int] = {}

    def handle(request: Any) -> Response:
        path = request.path
        counts[path] = counts.get(path, 0) + 1
        if path.startswith("/scotland/postcodes/"):
            body = scottish_postcode(path.rsplit("/", 1)[1], GLASGOW_SEAT, GLASGOW_REGION)
        elif path.startswith("/api/") and path[5:] in collections:
            body = collections[path[5:]]
        elif path == "/mgwebservice.asmx/GetCouncillorsByWard":
            xml = senedd_xml({CARDIFF_SENEDD: SENEDD_MEMBERS})
            return Response(xml, content_type="text/xml")
        else:
            status, body = standin.answer(
                request.method, path, request.query_string.decode(), request.get_data()
            )
            return Response(json.dumps(body), status=status, content_type="application/json")
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)
    url = httpserver.url_for("").rstrip("/")
    for variable in ("POSTCODES", "MEMBERS", "SCOTTISH_PARLIAMENT", "SENEDD", "NI_ASSEMBLY"):
        monkeypatch.setenv(f"ACTKIT_{variable}_API", url)
    return counts


@functools.cache
def _run_starts() -> list[tuple[str, str]]:
    from actkit import offline

    return [(pc, gss) for pc, gss in offline.run_starts() if gss]


def postcode_in(letter: str, skip: int = 0) -> str:
    """A real postcode of the offline table in a nation (by GSS letter)."""
    return [pc for pc, gss in _run_starts() if gss.startswith(letter)][skip]


def postcode_paired_with(senedd_constituency: str) -> str:
    from actkit.bodies.senedd import WESTMINSTER_PAIRS

    pair = WESTMINSTER_PAIRS[senedd_constituency]
    return next(pc for pc, gss in _run_starts() if gss in pair)


def supporters_file(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Address", "Postcode", "Email", "Personal"])
        writer.writerows(rows)
    return path


def read_manifest(folder: Path) -> list[dict[str, str]]:
    import csv

    with (folder / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_batch_to_all_msps_writes_eight_letters_per_scottish_supporter(
    everything: dict[str, int], tmp_path: Path
) -> None:
    scots = [postcode_in("S", 0), postcode_in("S", 40), postcode_in("S", 80)]
    rows = [[f"Scot {i}", f"{i} Main Street", pc, "", f"Point {i}."] for i, pc in enumerate(scots)]
    rows.append(["Welsh Supporter", "1 Stryd Fawr", postcode_in("W"), "", ""])
    supporters = supporters_file(tmp_path / "s.csv", rows)
    out = tmp_path / "out"

    result = run(
        "letter",
        "batch",
        str(supporters),
        "-t",
        "blank",
        "--out",
        str(out),
        "--date",
        "2026-12-01",
        "--to",
        "all-msps",
    )

    assert result.exit_code == 1, result.stderr  # the Welsh row fails
    entries = read_manifest(out)
    ok = [e for e in entries if e["status"] == "ok"]
    assert len(ok) == 3 * 8
    assert {e["body"] for e in ok} == {"scottish-parliament"}
    assert ok[0]["rep_name"] == "Ailsa Brown"
    assert ok[0]["rep_email"] == "ailsa.brown.msp@parliament.scot"
    assert ok[0]["constituency"] == "Glasgow Central"
    assert ok[0]["file"] == "000002-scot-0-ailsa-brown-msp.txt"  # spreadsheet row 2
    assert "Dear Ailsa Brown," in (out / ok[0]["file"]).read_text(encoding="utf-8")
    failed = [e for e in entries if e["status"] == "failed"]
    assert [(e["name"], e["body"]) for e in failed] == [("Welsh Supporter", "scottish-parliament")]
    assert "is in Wales, which the Scottish Parliament does not represent" in failed[0]["error"]
    # Each member list once for the run, whatever the number of rows.
    assert everything["/api/members"] == 1
    assert everything["/api/emailaddresses"] == 1
    assert "Representatives written to: 8 (--to all-msps)" in result.stderr


def test_a_batch_to_the_constituency_msp_and_to_members_of_the_senedd(
    everything: dict[str, int], tmp_path: Path
) -> None:
    rows = [  # words of their own: `blank` without them is an empty letter
        ["Scot", "1 Main Street", postcode_in("S"), "", "My words."],
        ["Cymro", "1 Stryd Fawr", postcode_in("W", 5), "", "My words."],
    ]
    supporters = supporters_file(tmp_path / "s.csv", rows)

    to_msp = run(
        "letter",
        "batch",
        str(supporters),
        "-t",
        "thank-you",
        "--out",
        str(tmp_path / "msp"),
        "--to",
        "msp",
    )
    entries = read_manifest(tmp_path / "msp")
    assert [(e["status"], e["rep_name"]) for e in entries] == [
        ("ok", "Ailsa Brown"),
        ("failed", ""),
    ]
    assert to_msp.exit_code == 1

    # Every Welsh postcode pairs to a Senedd constituency; the stand-in lists members
    # only for Caerdydd Penarth.
    cardiff = [postcode_paired_with(CARDIFF_SENEDD)]
    rows = [["Cymro", "1 Stryd Fawr", cardiff[0], "", ""]]
    to_ms = run(
        "letter",
        "batch",
        str(supporters_file(tmp_path / "w.csv", rows)),
        "-t",
        "thank-you",
        "--out",
        str(tmp_path / "ms"),
        "--to",
        "ms",
    )
    assert to_ms.exit_code == 0, to_ms.stderr
    entries = read_manifest(tmp_path / "ms")
    assert len(entries) == 6
    assert {e["body"] for e in entries} == {"senedd"}
    letter = (tmp_path / "ms" / entries[0]["file"]).read_text(encoding="utf-8")
    assert "Eleri Morgan MS\nWelsh Parliament" in letter
    assert "my MS has listened" in letter  # the template's rep.role
    # Postcodes were located in bulk: no lookup one by one for the Senedd constituency.
    assert not [path for path in everything if path.startswith("/postcodes/")]


def test_a_batch_to_mps_fills_the_new_columns(everything: dict[str, int], tmp_path: Path) -> None:
    rows = [["Voter", "1 Main Street", postcode_in("E"), "", "My words."]]

    result = run(
        "letter",
        "batch",
        str(supporters_file(tmp_path / "s.csv", rows)),
        "-t",
        "thank-you",
        "--out",
        str(tmp_path / "out"),
    )

    assert result.exit_code == 0, result.stderr
    [entry] = read_manifest(tmp_path / "out")
    assert entry["body"] == "commons"
    assert entry["rep_name"] == entry["mp_name"] != ""
    assert entry["rep_email"] == entry["mp_email"]


def test_a_batch_refuses_a_template_for_another_body(tmp_path: Path) -> None:
    supporters = supporters_file(tmp_path / "s.csv", [["A", "1 Street", "G1 1XQ", "", ""]])

    result = run(
        "letter",
        "batch",
        str(supporters),
        "-t",
        "syria-civilians",
        "--out",
        str(tmp_path / "out"),
        "--to",
        "mla",
    )

    assert result.exit_code == 2
    assert "written for the House of Commons" in result.stderr


def test_emls_to_several_members_skip_those_without_email(
    bodies: FakeBodies, tmp_path: Path
) -> None:
    bodies.cardiff()
    bodies.senedd()
    folder = tmp_path / "ms"

    result = write(
        "--postcode",
        CARDIFF_POSTCODE,
        "--to",
        "ms",
        "--format",
        "eml",
        "--email",
        "ada@example.org",
        "-o",
        str(folder),
    )

    assert result.exit_code == 0, result.stderr
    assert len(list(folder.iterdir())) == 5
    assert "no .eml for Owain Jones MS" in result.stderr


def test_a_resumed_batch_redoes_a_row_whose_letters_did_not_all_finish(
    everything: dict[str, int], tmp_path: Path
) -> None:
    rows = [["Scot", "1 Main Street", postcode_in("S"), "", "My words."]]
    supporters = supporters_file(tmp_path / "s.csv", rows)
    out = tmp_path / "out"
    args = (
        "letter",
        "batch",
        str(supporters),
        "-t",
        "thank-you",
        "--out",
        str(out),
        "--to",
        "all-msps",
    )
    assert run(*args).exit_code == 0
    entries = read_manifest(out)
    (out / entries[3]["file"]).unlink()  # one of the row's eight letters went missing

    resumed = run(*args, "--resume")

    assert resumed.exit_code == 0, resumed.stderr
    entries = read_manifest(out)
    assert len(entries) == 8  # the row redone once, its old lines replaced
    assert all((out / e["file"]).is_file() for e in entries)

    again = run(*args, "--resume")
    assert again.exit_code == 0
    assert len(read_manifest(out)) == 8
    assert "1 row already done" in again.stderr


def test_to_all_writes_to_the_mp_and_every_msp(bodies: FakeBodies, tmp_path: Path) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()
    folder = tmp_path / "all"

    result = write("--postcode", GLASGOW_POSTCODE, "--to", "all", "-o", str(folder))

    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 9
    assert files[0] == "01-martin-rhodes-mp.txt"
    assert "House of Commons\nLondon\nSW1A 0AA" in (folder / files[0]).read_text(encoding="utf-8")


def test_to_all_with_a_commons_template_writes_only_to_the_mp(bodies: FakeBodies) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()

    result = run(
        "letter",
        "write",
        "-t",
        "syria-civilians",
        *SENDER,
        "--personal",
        "x",
        "--postcode",
        GLASGOW_POSTCODE,
        "--to",
        "all",
    )

    assert result.exit_code == 0, result.stderr
    assert "Martin Rhodes MP\nHouse of Commons" in result.stdout
    assert "No letter to the Scottish Parliament" in result.stderr


def test_lookup_refuses_an_unknown_body_and_answers_crown_dependencies() -> None:
    unknown = run("lookup", "NR2 1AB", "--body", "holyrood")
    assert unknown.exit_code == 2
    assert "'holyrood' is not one of" in unknown.stderr

    jersey = run("lookup", "JE2 4WD", "--all")
    assert jersey.exit_code == 1
    assert "Channel Islands" in jersey.stderr


GOLDEN = Path(__file__).parent / "golden" / "letters" / "bodies"


@pytest.mark.parametrize("fmt", ["txt", "html"])
@pytest.mark.parametrize(
    ("to", "setup", "postcode"),
    [
        ("msp", "glasgow", GLASGOW_POSTCODE),
        ("ms", "cardiff", CARDIFF_POSTCODE),
        ("mla", "belfast", BELFAST_POSTCODE),
    ],
)
def test_golden_letters_to_each_body(
    bodies: FakeBodies, tmp_path: Path, to: str, setup: str, postcode: str, fmt: str
) -> None:
    """The first letter of each body, in full. Regenerate with ACTKIT_UPDATE_GOLDEN=1."""
    import os

    getattr(bodies, setup)()
    {
        "glasgow": bodies.scottish_parliament,
        "cardiff": bodies.senedd,
        "belfast": bodies.ni_assembly,
    }[setup]()
    folder = tmp_path / "out"

    result = write(
        "--postcode",
        postcode,
        "--to",
        to,
        "--date",
        "2026-12-01",
        "--format",
        fmt,
        "--output",
        str(folder) if to != "msp" else str(folder / f"letter.{fmt}"),
    )

    assert result.exit_code == 0, result.stderr
    written = sorted(folder.iterdir())[0].read_text(encoding="utf-8")
    golden = GOLDEN / f"{to}.{fmt}"
    if os.environ.get("ACTKIT_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(written, encoding="utf-8")
    assert written == golden.read_text(encoding="utf-8")


def test_letters_to_representatives_ask_for_words_after_the_lookups(
    bodies: FakeBodies, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies.glasgow()
    bodies.scottish_parliament()
    monkeypatch.setattr("actkit.cli._sender.stdin_is_terminal", lambda: True)
    args = ["letter", "write", "--template", "blank", *SENDER, "--postcode", GLASGOW_POSTCODE]

    asked = run(*args, "--to", "msp", input="Why it matters to me.\n\n")
    refused = run(*args, "--to", "msp", "--format", "eml", input="Lost words.\n\n")

    assert asked.exit_code == 0, asked.stderr
    assert "in your own words" in asked.stderr
    assert "Why it matters to me." in asked.stdout
    assert refused.exit_code == 2  # no email of your own: refused before asking
    assert "in your own words" not in refused.stderr
