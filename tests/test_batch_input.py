"""``actkit letter batch``: batches that say what they used, and survive what users feed them.

Columns shown and chosen, notes never read as personal words, duplicates, empty letters,
spreadsheet row numbers, resume by row content, runaway quotes, UTF-16/UTF-32 files, one bad
row among good ones, a full disk, sharded folders and ``kill -9`` at random points.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import os
import random
import signal
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run
from tests.test_batch_cli import DATE, batch, batch_command, manifest, real_postcodes, write_csv

HEADER = ["Name", "Address", "Postcode", "Email", "Personal"]


def supporters_with_notes(path: Path) -> Path:
    return write_csv(
        path,
        [
            ["Ann Able", "1 Street, Norwich", "NR2 1AB", "ann@example.org", "called twice"],
            ["Bob Baker", "2 Street, Norwich", "NR2 1AB", "", "VIP donor, do not chase"],
        ],
        header=["Name", "Address", "Postcode", "Email", "Comments", "Phone"][:5],
    )


def test_columns_are_shown_and_notes_are_never_personal_words(tmp_path: Path) -> None:
    supporters = supporters_with_notes(tmp_path / "s.csv")

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 0, result.stderr
    assert (
        "Columns: name <- Name; address <- Address; postcode <- Postcode; email <- Email; "
        "personal words <- (none)"
    ) in result.stderr
    assert (
        "Ignored columns: Comments (may be your notes: never personal words unless you give "
        "--column personal='Comments')"
    ) in result.stderr
    for entry in manifest(tmp_path / "o"):
        letter = (tmp_path / "o" / entry["file"]).read_text()
        assert "called twice" not in letter and "VIP donor" not in letter
        assert entry["warnings"].startswith("no personal words")


def test_a_mapped_column_is_used(tmp_path: Path) -> None:
    supporters = supporters_with_notes(tmp_path / "s.csv")

    result = batch(supporters, tmp_path / "o", "--offline", "--column", "personal=comments")

    assert result.exit_code == 0, result.stderr
    assert "personal words <- Comments" in result.stderr
    letter = (tmp_path / "o" / "000002-ann-able.txt").read_text()
    assert "called twice" in letter


def test_first_and_last_names_can_be_mapped(tmp_path: Path) -> None:
    supporters = write_csv(
        tmp_path / "s.csv",
        [["Ada", "Lovelace", "1 Street, Norwich", "NR2 1AB"]],
        header=["Given", "Family", "Home", "Where"],
    )

    result = batch(
        supporters,
        tmp_path / "o",
        "--offline",
        *("--column", "last_name=Family", "--column", "first_name=Given"),
        *("--column", "address=Home", "--column", "postcode=Where"),
    )

    assert result.exit_code == 0, result.stderr
    assert "name <- Given + Family" in result.stderr
    assert (tmp_path / "o" / "000002-ada-lovelace.txt").read_text().startswith("Ada Lovelace\n")


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("personal=Notes", "no column 'Notes' in the file"),
        ("mood=Comments", "unknown field 'mood'"),
        ("personal", "give FIELD=HEADER"),
    ],
)
def test_a_bad_column_choice_is_exit_2(tmp_path: Path, choice: str, message: str) -> None:
    supporters = supporters_with_notes(tmp_path / "s.csv")

    result = batch(supporters, tmp_path / "o", "--offline", "--column", choice)

    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "o").exists()


def test_duplicates_are_written_once_and_keep_their_line(tmp_path: Path) -> None:
    rows = [
        ["Ann Able", "1 Street, Norwich", "NR2 1AB", "", "Mine."],
        ["Bob Baker", "2 Street, Norwich", "NR2 1AB", "", ""],
        ["ann  ABLE", "1 Street, Norwich", "nr21ab", "", "Mine again."],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 0, result.stderr
    entries = {e["row"]: e for e in manifest(tmp_path / "o")}
    assert sorted(entries) == ["2", "3", "4"]  # one line per data row
    assert (entries["4"]["status"], entries["4"]["error"]) == ("skipped", "duplicate of row 2")
    assert entries["4"]["file"] == ""
    assert len(list((tmp_path / "o").glob("*.txt"))) == 2
    assert "Skipped 1 row: 1 duplicate" in result.stderr


def test_an_empty_letter_fails_its_row(tmp_path: Path) -> None:
    rows = [
        ["Ann Able", "1 Street, Norwich", "NR2 1AB", "", "Please vote for the bill."],
        ["Bob Baker", "2 Street, Norwich", "NR2 1AB", "", ""],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline", template="blank")

    assert result.exit_code == 1
    entries = {e["row"]: e for e in manifest(tmp_path / "o")}
    assert entries["2"]["status"] == "ok"
    assert entries["3"]["status"] == "failed"
    assert entries["3"]["error"].startswith("the letter would be empty")
    assert "Failed 1 row: 1 empty letter" in result.stderr


def test_letter_write_refuses_an_empty_letter(tmp_path: Path) -> None:
    result = run(
        "letter",
        "write",
        "-t",
        "blank",
        *("--postcode", "NR2 1AB", "--name", "Ann Able", "--address", "1 Street, Norwich"),
        "--offline",
        *DATE,
    )

    assert result.exit_code == 2
    assert "the letter would be empty" in result.stderr


def test_row_numbers_are_the_spreadsheets(tmp_path: Path) -> None:
    rows = [
        ["Ann Able", "Flat 1\n1 Street\nNorwich", "NR2 1AB", "", "Line one.\nLine two."],
        ["Bob Baker", "2 Street, Norwich", "NR2 1AB", "", "Mine."],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline")

    assert sorted(e["row"] for e in manifest(tmp_path / "o")) == ["2", "3"]
    assert "Read 2 rows (spreadsheet rows 2-3)" in result.stderr
    assert "cells span lines, so it has 6 lines" in result.stderr


def test_a_stray_quote_is_refused_naming_its_line(tmp_path: Path) -> None:
    lines = ["Name,Address,Postcode"]
    lines += [f"Person {i},{i} Street,NR2 1AB" for i in range(1, 3)]
    lines.append('Stray Quote,"3 Street,NR2 1AB')  # line 4
    lines += [f"Person {i},{i} Street,NR2 1AB" for i in range(4, 101)]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")

    result = batch(path, tmp_path / "o", "--offline")

    assert result.exit_code == 2
    assert "line 4: a quoted cell starts on this line" in result.stderr
    assert "swallows the 97 lines after it" in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_long_address_across_lines_is_not_a_runaway(tmp_path: Path) -> None:
    address = "\n".join(["Flat 2, The Maltings, Norwich", "Norfolk, England", "NR2 1AB"])
    supporters = write_csv(tmp_path / "s.csv", [["Ann Able", address, "NR2 1AB", "", "Mine."]])

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_excel_unicode_text_is_read(tmp_path: Path, encoding: str) -> None:
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[encoding]
    text = "\r\n".join(
        ["\t".join(HEADER), "\t".join(["Zoë Ça 名前", "1 Street, Norwich", "NR2 1AB", "", "Ünï."])]
    )
    path = tmp_path / "s.txt"
    path.write_bytes(bom + text.encode(encoding) + "\r\n".encode(encoding))

    result = batch(path, tmp_path / "o", "--offline")

    assert result.exit_code == 0, result.stderr
    entry = manifest(tmp_path / "o")[0]
    assert entry["name"] == "Zoë Ça 名前"
    assert "Ünï." in (tmp_path / "o" / entry["file"]).read_text()


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes("Name,Address,Postcode\nAnn,1 St,NR2 1AB\n".encode("utf-16-le"))

    result = batch(path, tmp_path / "o", "--offline")

    assert result.exit_code == 2
    assert "UTF-16 or UTF-32" in result.stderr and "CSV UTF-8" in result.stderr


def test_one_poisoned_row_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from actkit.letters import LetterRenderer

    real_render = LetterRenderer.render

    def render(self: Any, **kwargs: Any) -> Any:
        if kwargs["sender"].name == "Poison":
            raise ZeroDivisionError("division by zero")
        return real_render(self, **kwargs)

    monkeypatch.setattr(LetterRenderer, "render", render)
    rows = [[name, "1 Street", "NR2 1AB", "", "Mine."] for name in ("Ann", "Poison", "Bob")]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 1
    entries = {e["row"]: e for e in manifest(tmp_path / "o")}
    assert [entries[r]["status"] for r in ("2", "3", "4")] == ["ok", "failed", "ok"]
    assert "ZeroDivisionError" in entries["3"]["error"]
    assert "Failed 1 row: 1 unexpected error" in result.stderr
    assert "the batch went on without them" in result.stderr


def test_an_mp_lookup_that_breaks_fails_only_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actkit.representatives import Resolution

    real_seat = Resolution.seat

    def seat(self: Any, gss_code: str) -> Any:
        if gss_code == "E14001409":  # Norwich South
            raise KeyError("currentRepresentation")
        return real_seat(self, gss_code)

    monkeypatch.setattr(Resolution, "seat", seat)
    rows = [
        ["Ann Able", "1 Street", "NR2 1AB", "", "Mine."],
        ["Bob Baker", "2 Street", "AB10 1AB", "", "Mine."],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 1
    entries = {e["row"]: e for e in manifest(tmp_path / "o")}
    assert (entries["2"]["status"], entries["3"]["status"]) == ("failed", "ok")
    assert "KeyError" in entries["2"]["error"]
    assert "1 unexpected error" in result.stderr


def test_a_full_disk_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import actkit.drafting

    real_write = actkit.drafting.write_file
    calls = {"n": 0}

    def fill_up(folder: Path, name: str, content: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(folder, name, content)

    monkeypatch.setattr(actkit.drafting, "write_file", fill_up)
    rows = [[f"P {i}", "1 Street", "NR2 1AB", "", "Mine."] for i in range(5)]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 2
    assert "No space left on device" in result.stderr and "--resume" in result.stderr
    assert [e["status"] for e in manifest(tmp_path / "o")] == ["ok"]


# --- resume -------------------------------------------------------------------------------


def people(count: int, start: int = 1) -> list[list[str]]:
    return [
        [f"Person {i}", f"{i} Street, Norwich", "NR2 1AB", "", f"Reason {i}."]
        for i in range(start, start + count)
    ]


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", people(2))
    batch(supporters, tmp_path / "o", "--offline")

    other_template = batch(supporters, tmp_path / "o", "--offline", "--resume", template="blank")
    other_format = batch(supporters, tmp_path / "o", "--offline", "--resume", "--format", "md")
    other_columns = batch(
        supporters, tmp_path / "o", "--offline", "--resume", "--column", "email=Personal"
    )

    assert other_template.exit_code == other_format.exit_code == other_columns.exit_code == 2
    assert "template 'syria-civilians' (now 'blank')" in other_template.stderr
    assert "format 'txt' (now 'md')" in other_format.stderr
    assert "column mapping" in other_columns.stderr


def test_resume_after_rows_were_inserted(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_csv(path, people(4))
    out = tmp_path / "o"
    batch(path, out, "--offline")
    before = {e["row_digest"]: e["file"] for e in manifest(out)}

    rows = people(4)
    rows.insert(1, ["New Person", "9 Street, Norwich", "NR2 1AB", "", "New."])
    write_csv(path, rows)
    result = batch(path, out, "--offline", "--resume")

    assert result.exit_code == 0, result.stderr
    entries = manifest(out)
    assert sorted(int(e["row"]) for e in entries) == [2, 3, 4, 5, 6]
    assert {e["name"]: e["row"] for e in entries}["Person 2"] == "4"  # moved down one
    assert all(before[e["row_digest"]] == e["file"] for e in entries if e["name"] != "New Person")
    files = sorted(p.name for p in out.glob("*.txt"))
    assert len(files) == 5
    assert "4 row" in result.stderr and "already done" in result.stderr
    assert "have moved" in result.stderr


def test_resume_removes_a_letter_whose_manifest_line_was_lost(tmp_path: Path) -> None:
    """A kill before the manifest reached the disk leaves an unlisted letter; the row moved."""
    path = tmp_path / "s.csv"
    write_csv(path, people(3))
    out = tmp_path / "o"
    batch(path, out, "--offline")
    lines = (out / "manifest.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "manifest.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # row 4's line
    assert (out / "000004-person-3.txt").exists()

    write_csv(path, [["New Person", "9 Street, Norwich", "NR2 1AB", "", "New."], *people(3)])
    result = batch(path, out, "--offline", "--resume")

    assert result.exit_code == 0, result.stderr
    entries = manifest(out)
    assert sorted(p.name for p in out.glob("*.txt")) == sorted(e["file"] for e in entries)
    assert not (out / "000004-person-3.txt").exists()
    assert {e["name"]: e["file"] for e in entries}["Person 3"] == "000005-person-3.txt"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda rows: rows.__setitem__(1, [*rows[1][:4], "Edited."]), "row 3 (000003"),
        (lambda rows: rows.pop(1), "row 3 (000003-person-2.txt) was removed"),
    ],
)
def test_resume_refuses_when_a_finished_row_changed_or_went(
    tmp_path: Path, change: Any, said: str
) -> None:
    path = tmp_path / "s.csv"
    rows = people(3)
    write_csv(path, rows)
    out = tmp_path / "o"
    batch(path, out, "--offline")

    change(rows)
    write_csv(path, rows)
    result = batch(path, out, "--offline", "--resume")

    assert result.exit_code == 2
    assert "cannot resume" in result.stderr and said in result.stderr
    assert len(manifest(out)) == 3


def test_resume_retries_a_fixed_row(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    rows = people(3)
    rows[1][2] = "NOT A POSTCODE"
    write_csv(path, rows)
    out = tmp_path / "o"
    assert batch(path, out, "--offline").exit_code == 1

    rows[1][2] = "NR2 1AB"
    write_csv(path, rows)
    result = batch(path, out, "--offline", "--resume")

    assert result.exit_code == 0, result.stderr
    assert sorted((e["row"], e["status"]) for e in manifest(out)) == [
        ("2", "ok"),
        ("3", "ok"),
        ("4", "ok"),
    ]


# --- large batches --------------------------------------------------------------------------


def test_large_batches_are_sharded(tmp_path: Path) -> None:
    from actkit.batch import BatchOptions, prepare

    postcodes = real_postcodes(3)
    path = write_csv(
        tmp_path / "s.csv",
        [[f"P {i}", "1 Street", postcodes[i % 3], "", "Mine."] for i in range(7)],
    )
    out = tmp_path / "o"
    options = BatchOptions(
        template="syria-civilians",
        out_dir=out,
        letter_date=date(2026, 11, 25),
        offline=True,
        shard_size=3,
    )

    report = prepare(path, options).run()

    assert report.written == 7 and report.shard_size == 3
    files = sorted(e["file"] for e in manifest(out))
    assert files[0] == "rows-000000-000002/000002-p-0.txt"
    assert files[-1] == "rows-000006-000008/000008-p-6.txt"
    assert all((out / name).is_file() for name in files)

    forced = dataclasses.replace(options, force=True, shard_size=100)
    prepare(path, forced).run()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["batch.json", "manifest.csv", *(f"00000{i}-p-{i - 2}.txt" for i in range(2, 9))]
    )


@pytest.mark.slow
def test_kill_9_at_random_points_loses_and_repeats_no_one(tmp_path: Path) -> None:
    """SIGKILL a batch again and again, resume each time: every supporter gets one letter."""
    count = 1500  # more than one shard
    supporters = write_csv(tmp_path / "s.csv", people(count))
    out = tmp_path / "o"
    command = batch_command(supporters, out)
    env = {**os.environ, "ACTKIT_HOME": str(tmp_path / "home")}
    chance = random.Random(20261202)
    for _attempt in range(5):
        resume = ["--resume"] if (out / "manifest.csv").exists() else []
        process = subprocess.Popen(
            [*command, *resume], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chance.uniform(0.5, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()

    finished = subprocess.run(
        [*command, "--resume"], env=env, capture_output=True, text=True, check=False
    )

    assert finished.returncode == 0, finished.stderr
    entries = manifest(out)
    assert sorted(int(e["row"]) for e in entries) == list(range(2, count + 2))
    assert all(e["status"] == "ok" for e in entries)
    letters = sorted(str(p.relative_to(out)) for p in out.rglob("*.txt"))
    assert letters == sorted(e["file"] for e in entries)  # one letter each, no stray ones
    assert not list(out.rglob(".*"))  # no partial file
    for entry in chance.sample(entries, 20):
        number = int(entry["row"]) - 1
        assert f"Reason {number}." in (out / entry["file"]).read_text()


@pytest.mark.parametrize(
    ("template", "empty"),
    [
        ("blank", True),
        ("syria-civilians", False),
        ("meeting-request", False),
        ("follow-up", False),
        ("thank-you", False),
    ],
)
def test_only_a_template_without_words_of_its_own_is_empty(
    tmp_path: Path, template: str, empty: bool
) -> None:
    supporters = write_csv(tmp_path / "s.csv", [["Ann Able", "1 Street", "NR2 1AB", "", ""]])

    result = batch(supporters, tmp_path / "o", "--offline", template=template)

    assert manifest(tmp_path / "o")[0]["status"] == ("failed" if empty else "ok")
    assert ("1 empty letter" in result.stderr) is empty


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_letters_and_manifest_are_private(tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", people(1))

    batch(supporters, tmp_path / "o", "--offline")

    out = tmp_path / "o"
    assert out.stat().st_mode & 0o777 == 0o700
    for name in ("manifest.csv", manifest(out)[0]["file"]):
        assert (out / name).stat().st_mode & 0o777 == 0o600, name


def test_a_seat_changed_since_the_offline_data_is_a_row_warning(tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", [["Ann Able", "1 Street", "CO15 1AA", "", ""]])

    batch(supporters, tmp_path / "o", "--offline")

    [entry] = manifest(tmp_path / "o")
    assert entry["warnings"].startswith("no personal words; Clacton: since the offline MP data")


def test_the_issue_8_spreadsheet(tmp_path: Path) -> None:
    """A Comments column, a duplicated supporter, an international email, a bad email and an
    empty personal cell: the right letters, the right failures, and a manifest that says why."""
    supporters = write_csv(
        tmp_path / "s.csv",
        [
            ["Ann Able", "1 Street, Norwich", "NR2 1AB", "ann@example.org", "call back"],
            ["Jörg Bäcker", "2 Street, Norwich", "NR2 1AB", "jörg@example.de", ""],
            ["Ann Able", "1 Street, Norwich", "NR2 1AB", "ann@example.org", "again"],
            ["Cy Dee", "3 Street, Norwich", "NR2 1AB", "not-an-email", ""],
        ],
        header=["Name", "Address", "Postcode", "Email", "Comments"],
    )

    result = batch(supporters, tmp_path / "o", "--offline", "--format", "eml")

    rows = {entry["row"]: entry for entry in manifest(tmp_path / "o")}
    assert result.exit_code == 1, result.stderr  # a row failed
    assert [rows[r]["status"] for r in ("2", "3", "4", "5")] == ["ok", "ok", "skipped", "failed"]
    assert rows["4"]["error"] == "duplicate of row 2"
    assert "not-an-email" in rows["5"]["error"]
    assert "call back" not in (tmp_path / "o" / rows["2"]["file"]).read_text()
    assert rows["3"]["warnings"].startswith("no personal words")
    import email
    import email.policy

    message = email.message_from_bytes(
        (tmp_path / "o" / rows["3"]["file"]).read_bytes(), policy=email.policy.default
    )
    assert "jörg@example.de" in str(message["From"])
