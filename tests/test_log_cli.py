"""The letter log as users see it: write, send, chase, follow up, reply, forget, export."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.helpers import run

SENDER = ["--name", "Alex Example", "--address", "1 High Street, Norwich", "--offline"]


def write_letter(
    tmp_path: Path, *extra: str, postcode: str = "nr2 1ab", name: str = "l.txt"
) -> str:
    result = run(
        "letter",
        "write",
        "-t",
        "meeting-request",
        "--postcode",
        postcode,
        *SENDER,
        "--date",
        "2027-01-04",
        "--personal",
        "It matters to me.",
        "-o",
        str(tmp_path / name),
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    return result.stderr


def log_json(*extra: str) -> list[dict[str, object]]:
    result = run("log", "--json", *extra)
    assert result.exit_code == 0, result.stderr
    letters: list[dict[str, object]] = json.loads(result.stdout)
    return letters


def test_write_send_chase_follow_up_and_reply(tmp_path: Path) -> None:
    """The story of issue 11: sent Tue 5 Jan 2027, due a chase on Tue 26 Jan 2027."""
    assert "Logged as L1" in write_letter(tmp_path)
    [first] = log_json()
    assert first["id"] == "L1" and first["status"] == "drafted"
    assert first["date"] == "2027-01-04" and first["template"] == "meeting-request"
    assert first["subject"] == "Request for a meeting with a constituent"
    assert first["to"] == {
        "body": "commons",
        "name": "Clive Lewis",
        "member_id": 4500,
        "party": "Labour",
        "constituency": "Norwich South",
        "gss_code": "E14001409",
    }
    assert first["sent"] is None and first["replied"] is None
    assert first["file"] == str((tmp_path / "l.txt").resolve())

    sent = run("sent", "l1", "--on", "2027-01-05", "--via", "post")
    assert sent.exit_code == 0, sent.stderr
    assert log_json()[0]["sent"] == {"on": "2027-01-05", "via": "post"}

    early = run("chase", "--today", "2027-01-25")
    assert early.exit_code == 0 and early.stdout == ""
    assert "Nothing to chase" in early.stderr
    due = run("chase", "--today", "2027-01-26")
    assert due.stdout.startswith(
        "L1  sent 5 January 2027 by post to Clive Lewis (Norwich South): "
        "Request for a meeting with a constituent\n    due 26 January 2027, today:"
    )
    assert json.loads(run("chase", "--today", "2027-01-26", "--json").stdout) == log_json()

    follow = run("chase", "L1", "--today", "2027-01-27")
    assert follow.exit_code == 0, follow.stderr
    text = (tmp_path / "l-follow-up.txt").read_text(encoding="utf-8")
    assert "27 January 2027" in text
    assert (
        "I wrote to you on 4 January 2027 as one of your constituents in Norwich South, "
        "about “Request for a meeting with a constituent”" in " ".join(text.split())
    )
    assert text.startswith("Alex Example\n1 High Street\nNorwich\nNR2 1AB\n")
    assert "Dear Clive Lewis," in text
    first, second = log_json()
    assert first["status"] == "chased" and first["chased_by"] == "L2"
    assert second["follows"] == "L1" and second["template"] == "follow-up"
    assert second["subject"] == "Following up on my letter of 4 January 2027"
    assert run("chase", "--today", "2027-03-01").stdout == ""  # chased: not listed again
    again = run("chase", "L1", "--today", "2027-01-28")
    assert again.exit_code == 2 and "already chased by L2" in again.stderr

    reply = tmp_path / "reply.txt"
    reply.write_text("Dear Alex, ...")
    answered = run(
        "replied", "L1", "--on", "2027-02-01", "--summary", "Will meet", "--file", str(reply)
    )
    assert answered.exit_code == 0, answered.stderr
    assert log_json("--status", "replied")[0]["replied"] == {
        "on": "2027-02-01",
        "summary": "Will meet",
        "file": str(reply.resolve()),
    }

    report = run("report", "--format", "json", "--today", "2027-02-02")
    numbers = json.loads(report.stdout)
    assert numbers["letters"] == 2 and numbers["replies"] == 1
    [seat] = [s for s in numbers["seats"] if s["letters"]]
    assert seat == {
        "gss_code": "E14001409",
        "name": "Norwich South",
        "nation": "England",
        "mp": "Clive Lewis",
        "party": "Labour",
        "letters": 2,
        "sent": 1,
        "replies": 1,
    }


def test_chase_uses_the_senders_nations_bank_holidays(tmp_path: Path) -> None:
    # Scotland keeps 2 January (a Saturday in 2027, so Monday 4 January) as a bank holiday.
    write_letter(tmp_path, postcode="AB10 1AB", name="scot.txt")
    write_letter(tmp_path, name="eng.txt")
    run("sent", "L1", "--on", "2026-12-29")
    run("sent", "L2", "--on", "2026-12-29")
    assert [
        x["id"] for x in json.loads(run("chase", "--today", "2027-01-20", "--json").stdout)
    ] == ["L2"]
    both = json.loads(run("chase", "--today", "2027-01-21", "--json").stdout)
    assert [x["id"] for x in both] == ["L1", "L2"]  # oldest sent first, then by id
    assert run("chase", "--today", "2027-01-21", "--after", "17", "--json").stdout == "[]\n"


def test_chase_ics_has_a_reminder_for_every_unanswered_sent_letter(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        write_letter(tmp_path, name=name)
    run("sent", "L1", "--on", "2027-01-05", "--via", "email")
    run("sent", "L2", "--on", "2027-02-10")
    ics = tmp_path / "chase.ics"

    result = run("chase", "--ics", str(ics), "--today", "2027-01-06")

    assert result.exit_code == 0, result.stderr
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [event.decoded("dtstart") for event in events] == [date(2027, 1, 26), date(2027, 3, 3)]
    for event in events:
        alarms = list(event.walk("VALARM"))
        assert len(alarms) == 1
        assert str(alarms[0]["action"]) == "DISPLAY"
        assert "actkit chase L" in str(event["description"])
    assert len({str(event["uid"]) for event in events}) == 2
    again = run("chase", "--ics", str(ics), "--today", "2027-01-06")
    assert again.exit_code == 2 and "--force" in again.stderr


def test_no_log_and_config_log_off(tmp_path: Path) -> None:
    stderr = write_letter(tmp_path, "--no-log")
    assert "Logged" not in stderr
    assert run("config", "set", "log", "off").exit_code == 0
    write_letter(tmp_path, name="m.txt")
    assert log_json() == []
    assert run("config", "set", "log", "on").exit_code == 0
    write_letter(tmp_path, name="n.txt")
    assert [x["id"] for x in log_json()] == ["L1"]


def test_filters(tmp_path: Path) -> None:
    write_letter(tmp_path, name="a.txt")
    write_letter(tmp_path, postcode="AB10 1AB", name="b.txt")
    run("sent", "L2")
    assert [x["id"] for x in log_json("--status", "sent")] == ["L2"]
    assert [x["id"] for x in log_json("--to", "norwich")] == ["L1"]
    assert [x["id"] for x in log_json("--to", "CLIVE")] == ["L1"]
    assert log_json("--campaign", "nothing") == []
    assert len(log_json("--since", "2000-01-01")) == 2
    assert log_json("--since", "2999-01-01") == []
    bad = run("log", "--since", "yesterday")
    assert bad.exit_code == 2 and "not a date" in bad.stderr


def test_show_and_unknown_ids(tmp_path: Path) -> None:
    write_letter(tmp_path)
    shown = run("log", "show", "L1")
    assert shown.exit_code == 0
    assert "status:       drafted" in shown.stdout
    assert "constituency: Norwich South (E14001409, commons)" in shown.stdout
    assert "from:         Alex Example" in shown.stdout
    missing = run("log", "show", "L9")
    assert missing.exit_code == 1 and missing.stderr == (
        "Error: no letter L9 in the log (see `actkit log`)\n"
    )
    assert run("sent", "X9").exit_code == 2
    assert run("chase", "L1").exit_code == 2  # not sent yet
    assert run("chase", "L1", "--json").exit_code == 2


def test_forget_needs_confirmation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_letter(tmp_path, name="a.txt")
    write_letter(tmp_path, name="b.txt")

    refused = run("log", "forget", "L1")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert len(log_json()) == 2

    monkeypatch.setattr("actkit.cli.log.stdin_is_terminal", lambda: True)
    declined = run("log", "forget", "L1", input="n\n")
    assert declined.exit_code == 1 and len(log_json()) == 2
    accepted = run("log", "forget", "L1", input="y\n")
    assert accepted.exit_code == 0 and "Deleted 1 letter" in accepted.stderr
    assert [x["id"] for x in log_json()] == ["L2"]

    assert run("log", "forget", "--before", "2999-01-01", "--yes").exit_code == 0
    assert log_json() == []
    assert run("log", "forget").exit_code == 2
    assert run("log", "forget", "L1", "--all", "--yes").exit_code == 2


def test_export_csv_and_json(tmp_path: Path) -> None:
    write_letter(tmp_path)
    run("sent", "L1", "--on", "2027-01-05", "--via", "hand")
    exported = json.loads(run("log", "export", "--format", "json").stdout)
    assert exported[0]["sender_name"] == "Alex Example"
    assert len(exported[0]["digest"]) == 64
    rows = list(csv.DictReader(io.StringIO(run("log", "export", "--format", "csv").stdout)))
    assert rows[0]["id"] == "L1" and rows[0]["sent_via"] == "hand"
    assert rows[0]["to_constituency"] == "Norwich South"
    out = tmp_path / "log.csv"
    assert run("log", "export", "-f", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("id,")


def test_log_path_is_under_actkit_home(isolated_environment: Path) -> None:
    assert run("log", "path").stdout == f"{isolated_environment / 'data' / 'log.db'}\n"


def test_a_log_that_cannot_be_written_does_not_lose_the_letter(
    tmp_path: Path, isolated_environment: Path
) -> None:
    (isolated_environment / "data").mkdir(parents=True, exist_ok=True)
    (isolated_environment / "data" / "log.db").write_bytes(b"not a database" * 100)
    result = run(
        "letter", "write", "-t", "blank", "--postcode", "NR2 1AB", *SENDER, "--personal", "x"
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("Alex Example")
    assert "Warning: the letter was written but not logged" in result.stderr
    broken = run("log")
    assert broken.exit_code == 2 and "cannot open the letter log" in broken.stderr


def test_log_file_is_sqlite_with_a_schema_version(
    isolated_environment: Path, tmp_path: Path
) -> None:
    write_letter(tmp_path)
    db = sqlite3.connect(isolated_environment / "data" / "log.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1


def supporters(path: Path, count: int) -> Path:
    # Words of their own: `blank` without them is an empty letter (a failed row).
    rows = ["name,address,postcode,personal"] + [
        f"Person {n},{n} Street,NR2 1AB,I care." for n in range(count)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_interrupted_batch_is_logged_once_per_row_after_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import actkit.drafting

    sheet = supporters(tmp_path / "s.csv", 10)
    out = tmp_path / "out"
    args = ["letter", "batch", str(sheet), "-t", "blank", "--out", str(out), "--offline"]
    real_draft = actkit.drafting.Drafter.draft
    calls = {"n": 0}

    def interrupted(self: object, job: object) -> object:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real_draft(self, job)

    monkeypatch.setattr(actkit.drafting.Drafter, "draft", interrupted)
    assert run(*args).exit_code == 130  # stopped at once: logged when resumed
    assert log_json() == []
    monkeypatch.setattr(actkit.drafting.Drafter, "draft", real_draft)

    assert run(*args, "--resume").exit_code == 0
    logged = log_json()
    assert sorted(x["batch"]["row"] for x in logged) == list(range(2, 12))  # header: row 1
    assert run(*args, "--resume").exit_code == 0
    assert log_json() == logged  # each row once, however often resumed
    assert all(x["to"]["name"] == "Clive Lewis" for x in logged)

    run("sent", "L1")
    assert run(*args, "--force").exit_code == 0  # start over: the old run's letters go
    restarted = log_json()
    assert len(restarted) == 10 and {x["status"] for x in restarted} == {"drafted"}


def test_batch_no_log(tmp_path: Path) -> None:
    sheet = supporters(tmp_path / "s.csv", 2)
    out = tmp_path / "out"
    result = run(
        "letter", "batch", str(sheet), "-t", "blank", "--out", str(out), "--offline", "--no-log"
    )
    assert result.exit_code == 0 and "Logged" not in result.stderr
    assert log_json() == []
    assert json.loads(run("report", "--batch", str(out), "-f", "json").stdout)["letters"] == 2


def test_follow_up_in_another_format_and_to_stdout(tmp_path: Path) -> None:
    write_letter(tmp_path)
    run("sent", "L1", "--on", "2027-01-05")
    as_docx = run("chase", "L1", "--format", "docx", "--today", "2027-01-27")
    assert as_docx.exit_code == 0, as_docx.stderr
    import docx

    document = docx.Document(str(tmp_path / "l-follow-up.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "I wrote to you on 4 January 2027" in text
    run("log", "forget", "L2", "--yes")  # the follow-up is gone: L1 can be chased again
    assert (
        run(
            "chase", "L1", "--format", "md", "--name", "Sam Other", "--today", "2027-01-28"
        ).exit_code
        == 0
    )
    follow_up = (tmp_path / "l-follow-up.md").read_text(encoding="utf-8")
    assert follow_up.rstrip().endswith("Sam Other")


def test_a_letter_printed_to_stdout_gets_its_follow_up_on_stdout() -> None:
    written = run(
        "letter", "write", "-t", "blank", "--postcode", "NR2 1AB", *SENDER, "--personal", "x"
    )
    assert written.exit_code == 0 and log_json()[0]["file"] is None
    run("sent", "L1", "--on", "2027-01-05")
    binary = run("chase", "L1", "-f", "docx")
    assert binary.exit_code == 2 and "give --output" in binary.stderr
    follow_up = run("chase", "L1", "--today", "2027-01-27", "--date", "2027-01-28")
    assert follow_up.exit_code == 0, follow_up.stderr
    assert "28 January 2027" in follow_up.stdout
    assert "Dear Clive Lewis," in follow_up.stdout


GOLDEN = Path(__file__).parent / "golden" / "letters" / "follow-up-chased.md"


def test_golden_follow_up_written_by_chase(tmp_path: Path) -> None:
    """Regenerate with ACTKIT_UPDATE_GOLDEN=1 pytest tests/test_log_cli.py, then review."""
    import os

    write_letter(tmp_path)
    run("sent", "L1", "--on", "2027-01-05")
    result = run("chase", "L1", "-o", str(tmp_path / "f.md"), "--today", "2027-01-27")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "f.md").read_text(encoding="utf-8")
    if os.environ.get("ACTKIT_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


@pytest.fixture
def bodies(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from tests.fakes_bodies import FakeBodies

    for variable in ("SCOTTISH_PARLIAMENT", "SENEDD", "NI_ASSEMBLY"):
        monkeypatch.setenv(f"ACTKIT_{variable}_API", services.url)
    return FakeBodies(services)


def test_letters_to_msps_are_logged_with_their_body_and_chased_to_holyrood(
    bodies: Any, tmp_path: Path
) -> None:
    from tests.fakes_bodies import GLASGOW_POSTCODE

    bodies.glasgow()
    bodies.scottish_parliament()
    folder = tmp_path / "letters"
    common = ["-t", "blank", "--name", "Ada Voter", "--address", "1 High Street, Town"]
    result = run(
        "letter",
        "write",
        *common,
        "--personal",
        "Hello.",
        "--postcode",
        GLASGOW_POSTCODE,
        "--to",
        "all-msps",
        "--output",
        str(folder),
        "--date",
        "2027-01-04",
    )
    assert result.exit_code == 0, result.stderr
    assert "Logged as L1, L2, L3, L4, L5, L6, L7, L8:" in result.stderr
    logged = log_json()
    assert {x["to"]["body"] for x in logged} == {"scottish-parliament"}
    assert logged[0]["to"]["name"] == "Ailsa Brown"
    assert logged[0]["file"] == str((folder / "01-ailsa-brown-msp.txt").resolve())

    run("sent", "L1", "--on", "2027-01-05")
    chased = run("chase", "L1", "--today", "2027-01-28")
    assert chased.exit_code == 0, chased.stderr
    follow_up = (folder / "01-ailsa-brown-msp-follow-up.txt").read_text(encoding="utf-8")
    assert "Ailsa Brown MSP\nThe Scottish Parliament\nEdinburgh\nEH99 1SP" in follow_up
    assert log_json()[-1]["to"]["body"] == "scottish-parliament"
    # The map is of Westminster seats: letters to MSPs are not counted on it.
    assert json.loads(run("report", "-f", "json").stdout)["letters"] == 0


def test_letter_send_marks_the_letter_sent_by_email(tmp_path: Path) -> None:
    from tests.test_sending import LETTER, _serve, configure

    with pytest.MonkeyPatch.context() as patch:
        serving = _serve(False, False, tmp_path, patch)  # a real SMTP server, as test_sending
        server = next(serving)
        configure(server.port, "none", user=None, host="localhost")
        sent_now = run("letter", "send", *LETTER, "--yes")
        assert sent_now.exit_code == 0, sent_now.stderr
        assert "Logged as L1, marked sent by email today." in sent_now.stderr

        draft = tmp_path / "letter.eml"
        assert run("letter", "write", *LETTER, "--output", str(draft)).exit_code == 0
        sent_file = run("letter", "send", "--file", str(draft), "--yes")
        assert sent_file.exit_code == 0, sent_file.stderr
        assert "Logged as L2, marked sent by email today." in sent_file.stderr

        unknown = tmp_path / "other.eml"
        unknown.write_bytes(draft.read_bytes())
        not_logged = run("letter", "send", "--file", str(unknown), "--yes")
        assert not_logged.exit_code == 0 and "Logged" not in not_logged.stderr
        serving.close()
    letters = log_json()
    assert [x["status"] for x in letters] == ["sent", "sent"]
    assert {x["sent"]["via"] for x in letters} == {"email"}
    assert letters[0]["to"]["name"] == "Clive Lewis" and letters[0]["format"] == "eml"
