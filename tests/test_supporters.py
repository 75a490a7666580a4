"""Reading supporters' spreadsheets: every row comes back, or the file is refused saying why."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actkit.errors import InvalidInput
from actkit.supporters import SupporterFile, looks_like_notes, parse_column_choices
from actkit.text import one_line

HEADER = ["Name", "Address", "Postcode", "Email", "Personal"]
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Everything a spreadsheet cell can hold that matters to CSV, except digits: free text with
# digits could hold a line shaped like a whole row, which is what a runaway quote looks like.
CELL = st.text(
    alphabet=st.sampled_from('abcXYZ éçø名前حب ,;"\t\n-'),
    max_size=40,
)
ROW = st.tuples(CELL, CELL, st.sampled_from(["NR2 1AB", "sw1a 1aa", "", "FOO"]), CELL, CELL)


def write(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@PROPERTY
@given(
    rows=st.lists(ROW, max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_every_row_comes_back_as_written(
    tmp_path: Path, rows: list[tuple[str, ...]], encoding: str, delimiter: str
) -> None:
    path = write(tmp_path / "s.csv", [list(r) for r in rows], encoding, delimiter)

    read = list(SupporterFile(path).rows())

    assert [s.row for s in read] == list(range(2, len(rows) + 2))
    for supporter, (name, address, postcode, email, personal) in zip(read, rows, strict=True):
        assert supporter.name == one_line(name)
        assert supporter.address == address.strip()
        assert supporter.postcode == one_line(postcode)
        assert supporter.email == one_line(email)
        assert supporter.personal == personal.strip()


@PROPERTY
@given(
    count=st.integers(min_value=2, max_value=40),
    data=st.data(),
)
def test_a_stray_quote_is_refused_at_its_line_or_loses_no_row(
    tmp_path: Path, count: int, data: st.DataObject
) -> None:
    lines = ["Name,Address,Postcode,Personal"]
    lines += [f"Person {i},{i} Street,NR2 1AB,Words" for i in range(count)]
    stray = data.draw(st.integers(min_value=1, max_value=count), label="line index")
    field = data.draw(st.integers(min_value=0, max_value=3), label="field")
    cells = lines[stray].split(",")
    cells[field] = '"' + cells[field]
    lines[stray] = ",".join(cells)
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    try:
        read = list(SupporterFile(path).rows())
    except InvalidInput as error:
        assert f"line {stray + 1}: a quoted cell starts on this line" in str(error)
    else:
        assert len(read) == count  # only a stray quote on the last line swallows nothing
        assert stray == count


def test_excel_unicode_text_without_a_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes("Name\tAddress\tPostcode\n".encode("utf-16-be"))

    with pytest.raises(InvalidInput, match="NUL bytes"):
        SupporterFile(path)


def test_a_false_byte_order_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"\xff\xfeN\x00a\x00\x00\xd8")  # UTF-16 with a lone surrogate

    with pytest.raises(InvalidInput, match="starts like UTF-16 text but is not"):
        SupporterFile(path)


@pytest.mark.parametrize(
    ("header", "notes"),
    [
        ("Comments", True),
        ("Organiser notes", True),
        ("Message", True),
        ("Status", True),
        ("Call status", True),
        ("Personal message", False),
        ("Your words", False),
        ("Name", False),
    ],
)
def test_notes_are_told_from_personal_words(header: str, notes: bool) -> None:
    assert looks_like_notes(header) is notes


def test_column_choices_are_checked() -> None:
    assert parse_column_choices(["personal = Comments", "First-Name=Given"]) == (
        ("personal", "Comments"),
        ("first_name", "Given"),
    )
    with pytest.raises(InvalidInput, match="unknown field 'phone'"):
        parse_column_choices(["phone=Mobile"])


@given(st.lists(st.text(max_size=20), min_size=0, max_size=7))
def test_the_one_column_a_field_reading_is_the_general_one(cells: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.csv"
        path.write_text("Name,Address,Postcode,Email,Personal\n", encoding="utf-8")
        supporters = SupporterFile(path)
        quick = supporters._supporter(2, cells)
        supporters._one_column_each = None
        assert quick == supporters._supporter(2, cells)
