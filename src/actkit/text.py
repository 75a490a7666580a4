"""Sanitising user-supplied text before it reaches a document or a mail header."""

from __future__ import annotations

import functools
import re
from datetime import date

# C0 and C1 control characters, DEL, and Unicode line/paragraph separators: any of these in
# a one-line value could start a new mail header or break a document's layout.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"[ \t]+")


_ALREADY_ONE_LINE = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]*")


def one_line(value: str) -> str:
    """Strip control characters (newlines included) and collapse runs of spaces."""
    if "  " not in value and _ALREADY_ONE_LINE.fullmatch(value):
        return value.strip()  # the common case, without rewriting the string
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def multi_line(value: str) -> str:
    """Keep paragraphs: normalise line endings, drop other control characters."""
    if not value:
        return value  # most rows of a batch have no personal words
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL_EXCEPT_NEWLINE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def address_lines(value: str) -> tuple[str, ...]:
    """Split an address given as "LINE1, LINE2, TOWN" (or one line per row) into lines."""
    if "  " not in value and _ALREADY_ONE_LINE.fullmatch(value):
        # One line, no control characters (a batch's usual row): commas alone split it.
        return tuple(line for line in (part.strip() for part in value.split(",")) if line)
    parts = re.split(r"[,\n]", value.replace("\r", "\n"))
    return tuple(line for line in (one_line(part) for part in parts) if line)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts a spreadsheet would run as a formula (CSV injection; OWASP's list)."""


def neutralise_formula(cell: str) -> str:
    """The one formula guard for every CSV actkit writes: a leading quote makes a
    spreadsheet show the cell as text instead of running it."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


def neutralise_row(cells: list[str]) -> list[str]:
    """``neutralise_formula`` for each cell of a row (inlined: a batch's manifest runs it
    for every cell of every letter)."""
    return [f"'{cell}" if cell.startswith(FORMULA_START) else cell for cell in cells]


@functools.lru_cache(maxsize=256)
def format_date(day: date) -> str:
    """British style, without a leading zero: "5 January 2020"."""
    return f"{day.day} {day:%B %Y}"


# Parliament shows "Mr", "Mrs", "Ms", "Miss" or "Mx" before some members' names and not
# others; "Rt Hon" and "MP" belong to the address block, not the greeting.
_COURTESY_TITLE = re.compile(
    r"^(?:(?:the\s+)?(?:rt\.?\s+)?hon\.?\s+|(?:mr|mrs|ms|miss|mx)\.?\s+)+", re.I
)
_MP_SUFFIX = re.compile(r"\s+MP$")


def salutation_name(display_name: str) -> str:
    """What follows "Dear" in every letter, for every MP, live or offline: the name as
    Parliament displays it, without "Rt Hon", "Mr/Mrs/Ms/Miss/Mx" or "MP".

    "Sir Keir Starmer" → "Sir Keir Starmer"; "Mr Angus MacDonald" → "Angus MacDonald";
    "Rt Hon Diane Abbott MP" → "Diane Abbott". Honours (Sir, Dame) and Dr stay: they are
    part of how the member is addressed.
    """
    name = one_line(display_name)
    stripped = _MP_SUFFIX.sub("", _COURTESY_TITLE.sub("", name)).strip()
    return stripped or name
