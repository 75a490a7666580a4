"""The letter log's schema, as numbered migrations applied in order.

Every change to the schema is a new function at the end of ``MIGRATIONS``; a released
migration is never edited. The number of the last migration applied is kept in SQLite's
``user_version``, so a later actkit opens an older log and brings it up to date without
loss, and an older actkit refuses a log written by a newer one instead of damaging it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from actkit.errors import InvalidInput

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []


def migration(function: Migration) -> Migration:
    """Register ``function`` as the next migration (its number is its place in the list)."""
    MIGRATIONS.append(function)
    return function


@migration
def m001_letters_and_batches(db: sqlite3.Connection) -> None:
    # One statement per execute: executescript() would commit the migration's transaction.
    for statement in _M001:
        db.execute(statement)


_M001 = (
    """
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            folder TEXT NOT NULL UNIQUE,
            template TEXT NOT NULL,
            campaign TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            rows INTEGER NOT NULL DEFAULT 0,
            written INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0
        )
    """,
    # AUTOINCREMENT: an id is never given to a second letter, even after `log forget`.
    """
        CREATE TABLE letters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            written TEXT NOT NULL,
            date TEXT NOT NULL,
            template TEXT NOT NULL,
            campaign TEXT,
            subject TEXT NOT NULL,
            body TEXT NOT NULL DEFAULT 'commons',
            recipient_name TEXT NOT NULL,
            member_id INTEGER,
            party TEXT,
            constituency TEXT NOT NULL,
            gss_code TEXT NOT NULL,
            recipient TEXT,
            sender_name TEXT NOT NULL,
            sender TEXT,
            format TEXT NOT NULL,
            file TEXT,
            digest TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'drafted'
                CHECK (status IN ('drafted', 'sent', 'replied', 'chased')),
            sent_on TEXT,
            sent_via TEXT,
            replied_on TEXT,
            reply_summary TEXT,
            reply_file TEXT,
            chased_by INTEGER REFERENCES letters(id) ON DELETE SET NULL,
            follows INTEGER REFERENCES letters(id) ON DELETE SET NULL,
            batch_id INTEGER REFERENCES batches(id) ON DELETE CASCADE,
            batch_row INTEGER,
            -- A batch row can hold several letters (batch --to all-msps): one per file.
            UNIQUE (batch_id, file)
        )
    """,
    "CREATE INDEX letters_status ON letters(status)",
    "CREATE INDEX letters_gss_code ON letters(gss_code)",
    "CREATE INDEX letters_written ON letters(written)",
    "CREATE INDEX letters_batch_row ON letters(batch_id, batch_row)",
    # Deleting a letter looks up the letters that point at it: without these, forgetting
    # N letters takes N full scans.
    "CREATE INDEX letters_chased_by ON letters(chased_by)",
    "CREATE INDEX letters_follows ON letters(follows)",
)


def schema_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations ``db`` has not had yet, each in its own transaction.

    Returns the schema version. Two processes opening a new log at once are safe: the
    version is read again inside the write lock, so no migration runs twice.
    """
    for number, step in enumerate(migrations, start=1):
        if schema_version(db) >= number:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(db) < number:
                step(db)
                # PRAGMA takes no parameters; number is an int we produced.
                db.execute(f"PRAGMA user_version = {int(number)}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    version = schema_version(db)
    if version > len(migrations):
        raise InvalidInput(
            f"the letter log was written by a newer actkit (schema {version}, this one knows "
            f"{len(migrations)}): upgrade actkit to use it"
        )
    return version
