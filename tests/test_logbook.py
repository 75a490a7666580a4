"""The letter log as a library: schema migrations, concurrent writers, forgetting."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actkit.errors import InvalidInput
from actkit.logbook import (
    LetterNotFound,
    Logbook,
    NewLetter,
    Recipient,
    digest,
    parse_letter_id,
)
from actkit.migrations import MIGRATIONS, schema_version


def new_letter(subject: str = "Please act", sender: str = "Alex Example") -> NewLetter:
    return NewLetter(
        date=date(2027, 1, 4),
        template="blank",
        subject=subject,
        recipient=Recipient("Clive Lewis", "Norwich South", "E14001409", party="Labour"),
        sender_name=sender,
        format="txt",
        digest=digest("text"),
    )


@pytest.mark.parametrize(("text", "number"), [("L1", 1), ("l12", 12), (" 7 ", 7), ("L007", 7)])
def test_letter_ids_in_any_case(text: str, number: int) -> None:
    assert parse_letter_id(text) == number


@pytest.mark.parametrize("text", ["", "L", "L0", "X1", "L1a", "1.5"])
def test_bad_letter_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_letter_id(text)


def test_a_new_log_is_at_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with Logbook(path) as book:
        assert book.schema_version == len(MIGRATIONS)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(db) == len(MIGRATIONS)
    assert path.stat().st_mode & 0o077 == 0  # private to its owner


def test_a_log_written_now_opens_after_a_schema_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with Logbook(path) as book:
        first = book.add(new_letter("Before the upgrade"))
        book.mark_sent(first, on=date(2027, 1, 5), via="post")

    def add_postage(db: sqlite3.Connection) -> None:
        # What a later release might do: a new column with a default, and a new table.
        db.execute("ALTER TABLE letters ADD COLUMN postage TEXT NOT NULL DEFAULT 'second'")
        db.execute("CREATE TABLE tags (letter_id INTEGER REFERENCES letters(id), tag TEXT)")

    upgraded = [*MIGRATIONS, add_postage]
    with Logbook(path, migrations=upgraded) as book:
        assert book.schema_version == len(upgraded)
        letter = book.get(first)
        assert letter.subject == "Before the upgrade"
        assert letter.status == "sent" and letter.sent and letter.sent.on == date(2027, 1, 5)
        second = book.add(new_letter("After the upgrade"))
        assert [x.id for x in book.letters()] == [first, second]
    postage = sqlite3.connect(path).execute("SELECT postage FROM letters").fetchall()
    assert postage == [("second",), ("second",)]

    # The older actkit refuses the newer log instead of damaging it.
    with pytest.raises(InvalidInput, match="newer actkit"):
        Logbook(path)


def test_a_failed_migration_leaves_the_log_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with Logbook(path) as book:
        book.add(new_letter())

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE letters ADD COLUMN half_done TEXT")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        Logbook(path, migrations=[*MIGRATIONS, broken])
    db = sqlite3.connect(path)
    assert schema_version(db) == len(MIGRATIONS)
    columns = [row[1] for row in db.execute("PRAGMA table_info(letters)")]
    assert "half_done" not in columns


WRITER = """
import sys
from datetime import date
from pathlib import Path
from actkit.logbook import Logbook, NewLetter, Recipient
path, name = Path(sys.argv[1]), sys.argv[2]
for n in range(40):
    with Logbook(path) as book:
        letter_id = book.add(NewLetter(date(2027, 1, 4), "blank", f"{name} {n}",
            Recipient("Clive Lewis", "Norwich South", "E14001409"), name, "txt", "0"))
        book.mark_sent(letter_id, on=date(2027, 1, 5), via="email")
"""


@pytest.mark.slow
def test_concurrent_writers_do_not_corrupt_the_log(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"writer{i}"]) for i in range(4)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]
    with Logbook(path) as book:
        letters = book.letters()
    assert len(letters) == 160
    assert sorted(x.id for x in letters) == list(range(1, 161))
    assert {x.status for x in letters} == {"sent"}
    assert {x.subject for x in letters} == {f"writer{i} {n}" for i in range(4) for n in range(40)}
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_forget_deletes_for_good_and_ids_are_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with Logbook(path) as book:
        secret = book.add(new_letter("Zebedee's private matter", sender="Zebedee Quux"))
        kept = book.add(new_letter("Something else"))
        assert book.forget(ids=[secret]) == 1
        with pytest.raises(LetterNotFound):
            book.get(secret)
        assert book.add(new_letter()) == kept + 1
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("log.db"))
    assert b"Zebedee" not in stored  # not even in free pages or the WAL


def test_forget_vacuums_the_free_pages_away(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with Logbook(path) as book:
        for n in range(300):
            book.add(new_letter(f"Letter {n} " + "x" * 200))
        assert book.forget(before=date(2999, 1, 1)) == 300
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM letters").fetchone()[0] == 0


def test_chase_list_skips_replied_chased_and_unsent(tmp_path: Path) -> None:
    with Logbook(tmp_path / "log.db") as book:
        drafted = book.add(new_letter("drafted"))
        waiting = book.add(new_letter("waiting"))
        answered = book.add(new_letter("answered"))
        book.mark_sent(waiting, on=date(2027, 1, 5), via=None)
        book.mark_sent(answered, on=date(2027, 1, 5), via=None)
        book.mark_replied(answered, on=date(2027, 1, 20), summary="Thanks", file=None)
        assert book.chase_list(today=date(2027, 1, 25), after=15) == []
        due = book.chase_list(today=date(2027, 1, 26), after=15)
        assert [(letter.id, when) for letter, when in due] == [(waiting, date(2027, 1, 26))]
        follow_up = book.add(new_letter("follow-up"), follows=waiting)
        assert book.get(waiting).status == "chased"
        assert book.get(waiting).chased_by == follow_up
        assert book.chase_list(today=date(2027, 3, 1), after=15) == []
        assert book.get(drafted).status == "drafted"


@given(st.integers(min_value=1, max_value=10**12 - 1), st.sampled_from(["L", "l", ""]))
def test_any_letter_id_round_trips(number: int, prefix: str) -> None:
    assert parse_letter_id(f"{prefix}{number}") == number


@given(st.text())
def test_any_text_is_an_id_or_a_clear_error(text: str) -> None:
    try:
        assert parse_letter_id(text) >= 1
    except InvalidInput as error:
        assert "is not a letter id" in str(error)


@settings(max_examples=50)
@given(st.text(min_size=1))
def test_recipient_filter_takes_any_text_literally(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("log") / "log.db"
    with Logbook(path) as book:
        book.add(new_letter())
        found = book.letters(to=text)
    # SQLite's LIKE folds the case of ASCII letters only.
    folded = "".join(c.lower() if c.isascii() else c for c in text)
    expected = folded in "clive lewis" or folded in "norwich south"
    assert [letter.recipient.name for letter in found] == (["Clive Lewis"] if expected else [])


@pytest.mark.parametrize(
    "query",
    [
        # Per row of `sent --batch`.
        "UPDATE letters SET sent_on = 1 WHERE batch_id = 1 AND batch_row = 1",
        # What SQLite looks up for every deleted letter (ON DELETE SET NULL).
        "SELECT 1 FROM letters WHERE chased_by = 1",
        "SELECT 1 FROM letters WHERE follows = 1",
    ],
)
def test_per_letter_lookups_use_an_index(tmp_path: Path, query: str) -> None:
    """Without these indexes, forgetting or marking N letters costs N full scans."""
    with Logbook(tmp_path / "log.db"):
        pass
    db = sqlite3.connect(tmp_path / "log.db")
    plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {query}"))
    last_column = query.rsplit(" = ", 1)[0].rsplit(" ", 1)[-1]
    assert "INDEX" in plan and f"{last_column}=?" in plan, plan  # found by the index
