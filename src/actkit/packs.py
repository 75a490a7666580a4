"""A batch's extra outputs: one print pack (PDF) and one mail-merge file (CSV).

Both need every letter of the batch, so they are built from the letters of one complete
run: a resumed run (whose earlier letters are only on disk) cannot make them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from actkit.errors import InvalidInput
from actkit.fileio import atomic_write, refuse_existing
from actkit.text import neutralise_formula, one_line

if TYPE_CHECKING:
    from actkit.drafting import RowResult
    from actkit.letters import Letter

MAILMERGE_COLUMNS = (
    "supporter_name",
    "supporter_email",
    "rep_name",
    "rep_email",
    "subject",
    "body",
)


@dataclass
class BatchExtras:
    """Collects a batch's letters and failed rows as they finish, then writes the pack
    and the mail-merge file the organiser asked for."""

    pack: Path | None = None
    mailmerge: Path | None = None
    force: bool = False
    letters: list[tuple[int, Letter]] = field(default_factory=list)
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    """(row, supporter's name, why) for each failed row."""

    @property
    def wanted(self) -> bool:
        return self.pack is not None or self.mailmerge is not None

    def check(self, *, resume: bool) -> None:
        """Refuse before any work: a resumed batch, or files that exist (without --force)."""
        if self.pack is not None and self.pack.suffix.lower() != ".pdf":
            raise InvalidInput(
                f"--pack writes a PDF: give a file name ending in .pdf, not {self.pack.name!r}"
            )
        if self.mailmerge is not None and self.mailmerge.suffix.lower() != ".csv":
            raise InvalidInput(
                f"--mailmerge writes CSV: give a name ending in .csv, not {self.mailmerge.name!r}"
            )
        if resume and self.wanted:
            raise InvalidInput(
                "--pack and --mailmerge need every letter of the batch, and a resumed run "
                "has only the rest: run the batch again with --force instead of --resume"
            )
        refuse_existing(self.pack, force=self.force)
        refuse_existing(self.mailmerge, force=self.force)

    def __call__(self, result: RowResult) -> None:
        row = int(result.cells["row"])
        if result.letter is not None:
            self.letters.append((row, result.letter))
        elif result.status == "failed":
            self.failures.append((row, result.cells.get("name", ""), result.cells["error"]))

    def write(self, title: str) -> list[Path]:
        """Write what was asked for; return the files written."""
        written = []
        if self.pack is not None:
            atomic_write(self.pack, pack_pdf(self.letters, self.failures, title), force=self.force)
            written.append(self.pack)
        if self.mailmerge is not None:
            atomic_write(self.mailmerge, mailmerge_csv(self.letters), force=self.force)
            written.append(self.mailmerge)
        return written


def pack_pdf(
    letters: list[tuple[int, Letter]], failures: list[tuple[int, str, str]], title: str
) -> bytes:
    from actkit.formats.pdf import PackFailure, PackLetter, pack_to_pdf

    return pack_to_pdf(
        [PackLetter(row, letter) for row, letter in letters],
        [PackFailure(row, name, reason) for row, name, reason in failures],
        title,
    )


def mailmerge_csv(letters: list[tuple[int, Letter]]) -> str:
    """One row per letter, in spreadsheet order, for Word's, LibreOffice's and mail-merge
    add-ons' mail merge: UTF-8 with a byte-order mark (so Excel and Word read the
    characters right), every cell guarded against running as a formula."""
    from actkit.formats.letters import email_text

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(MAILMERGE_COLUMNS)
    for _, letter in sorted(letters, key=lambda entry: entry[0]):
        cells = (
            letter.sender.name,
            letter.sender.email or "",
            letter.mp.full_title,
            letter.mp.email or "",
            one_line(letter.subject),
            email_text(letter),
        )
        writer.writerow([neutralise_formula(cell) for cell in cells])
    return buffer.getvalue()
