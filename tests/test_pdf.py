"""PDF letters, plans and print packs, re-opened with pypdf: text, pages, fonts, links,
and no heading or list lead-in left at the foot of a page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actkit.formats import pdf_layout
from actkit.formats.pdf import Block, flow, markdown_blocks
from actkit.formats.pdf_layout import Canvas, Metadata, Span
from tests.helpers import run

ARABIC_NAME = "فاطمة الزهراء"
LETTER = [
    "letter", "write", "--template", "syria-civilians", "--postcode", "nr2 1ab",
    "--address", "1 High Street, Norwich", "--date", "2026-11-25", "--offline",
]  # fmt: skip
FOOTER = re.compile(r"^(Page \d+ of \d+|Cover sheet, page \d+ of \d+)")


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def fonts_on(page: pypdf.PageObject) -> set[str]:
    fonts = page["/Resources"]["/Font"]
    return {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}


def body_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not FOOTER.match(line)]


def test_letter_with_an_arabic_name_first_renders_every_script(tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    personal = "我叫王小明, and my grandmother writes her name 王秀英. আমার পরিবার সিলেট থেকে।"

    result = run(*LETTER, "--name", ARABIC_NAME, "--personal", personal, "--output", str(out))

    assert result.exit_code == 0, result.stderr
    reader = pypdf.PdfReader(out)
    count = len(reader.pages)
    assert count >= 2
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # A4
    first = reader.pages[0].extract_text()
    # The first text on the page is in the Arabic font; the Latin text after it must
    # still be in the main font (with some libraries it loses its font and comes out as
    # garbage), and the Arabic is shaped and drawn right to left.
    for word in ARABIC_NAME.split():
        assert word in first
    assert "Dear Clive Lewis," in first
    assert "1 High Street" in first and "Norwich South" in first
    # pypdf separates CJK glyphs of a CFF font with NULs; the page itself is right.
    assert "王小明" in re.sub(r"[\x00-\x1f ]", "", first)
    assert "আমার" in first
    fonts = fonts_on(reader.pages[0])
    assert any(f.endswith("+NotoSans") for f in fonts) and any("NaskhArabic" in f for f in fonts)
    assert any("NotoSansCJK" in f for f in fonts) and any("Bengali" in f for f in fonts)
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {count}" in page.extract_text()
    assert reader.metadata is not None and reader.metadata.title


def test_citations_link_to_references_and_references_link_to_sources(tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    assert run(*LETTER, "--name", "Alex", "--personal", "Hi.", "-o", str(out)).exit_code == 0

    reader = pypdf.PdfReader(out)
    uris, internal = [], 0
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
            elif annotation.get_object().get("/Dest") is not None or action is not None:
                internal += 1
    assert any(uri.startswith("https://") for uri in uris)
    assert internal >= 5  # each superscript citation jumps to its reference
    text = "".join(p.extract_text() for p in reader.pages)
    assert "References" in text and "[1]" in text


def _render(blocks: list[Block]) -> list[str]:
    canvas = Canvas(Metadata("test"))
    canvas.new_page()
    flow(canvas, blocks)
    for page in range(1, canvas.page + 1):
        canvas.footer(page, f"Page {page} of {canvas.page}")
    return pages_text(canvas.output())


@pytest.mark.parametrize("filler_lines", range(40, 58))
def test_no_page_ends_with_a_heading_or_a_lead_in(filler_lines: int) -> None:
    """Whatever the position of a heading and a list's lead-in, each stays with what follows."""
    markdown = "\n\n".join(f"Filler line {n}." for n in range(filler_lines))
    markdown += "\n\n## A heading\n\n### A subheading\n\nIt introduces this paragraph.\n\n"
    markdown += "Please do these three things:\n\n- first\n- second\n- third\n"
    pages = _render(markdown_blocks(markdown))

    assert len(pages) >= 2
    for text in pages[:-1]:
        last = body_lines(text)[-1]
        assert not last.endswith(":"), last
        assert last not in ("A heading", "A subheading")


def test_event_plan_as_pdf(tmp_path: Path) -> None:
    out = tmp_path / "plan.pdf"
    result = run(
        "event", "plan", "march", "--date", "2026-12-20", "--venue", "Market Square, Norwich",
        "--nation", "england", "--today", "2026-11-01", "--output", str(out),
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    pages = pages_text(out.read_bytes())
    assert len(pages) >= 2
    text = "\n".join(pages)
    assert "Legal notice" in text and "Public Order Act 1986" in text and "Not legal advice" in text
    for page in pages[:-1]:
        last = body_lines(page)[-1]
        assert last not in ("Timeline", "Roles", "Kit", "Notes", "Legal notice"), last
        assert not last.endswith(":"), last


def test_event_plan_pdf_needs_an_output_file() -> None:
    result = run("event", "plan", "vigil", "--date", "2026-12-20", "--venue", "Park",
                 "--nation", "england", "--format", "pdf")  # fmt: skip

    assert result.exit_code == 2
    assert "--output" in result.stderr


def test_letter_pdf_is_not_written_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("actkit.cli.letters.stdout_is_terminal", lambda: True)
    result = run(*LETTER, "--name", "Alex", "--personal", "Hi.", "--format", "pdf")

    assert result.exit_code == 2
    assert "--output" in result.stderr


def test_unknown_characters_fall_back_and_long_urls_wrap() -> None:
    words = pdf_layout.words([Span("x" * 400 + " https://example.org/" + "a" * 300)])
    lines = pdf_layout.break_lines(words, pdf_layout.TEXT_WIDTH)

    assert len(lines) >= 4
    assert all(line.width <= pdf_layout.TEXT_WIDTH + 0.01 for line in lines)


# --------------------------------------------------------------------------- batches


def _supporters(path: Path, count: int, failing: int = 0) -> Path:
    from actkit import offline

    postcodes: dict[str, str] = {}
    for postcode, gss in offline.run_starts():
        postcodes.setdefault(gss, postcode)
        if len(postcodes) == count:
            break
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Address", "Postcode", "Email", "Personal"])
        for index, postcode in enumerate(postcodes.values()):
            name = ARABIC_NAME if index == 0 else f"Supporter {index}"
            # Words of their own: `blank` without them is an empty letter (a failed row).
            writer.writerow([name, f"{index} High Street, Town", postcode, "", "I care."])
        for index in range(failing):
            writer.writerow([f"Broken {index}", "1 Street", "NOT A POSTCODE", "", ""])
    return path


@pytest.mark.slow
def test_a_pack_of_300_letters_with_a_cover_sheet_and_failed_rows(tmp_path: Path) -> None:
    supporters = _supporters(tmp_path / "s.csv", 300, failing=2)
    pack = tmp_path / "pack.pdf"

    result = run("letter", "batch", str(supporters), "-t", "blank", "--out", str(tmp_path / "o"),
                 "--offline", "--date", "2026-11-25", "--pack", str(pack))  # fmt: skip

    assert result.exit_code == 1  # two rows failed
    assert f"Wrote {pack}" in result.stderr
    pages = pages_text(pack.read_bytes())
    cover_pages = [p for p in pages if "Cover sheet, page" in p]
    assert len(cover_pages) == 8  # 300 rows, 38 a page
    starts = []
    for page in cover_pages:
        for line in page.splitlines():
            match = re.fullmatch(r"(\d+) (.+) (\d+)", line.strip())
            if match and match.group(1) != "Row":
                starts.append((int(match.group(1)), int(match.group(3))))
    assert len(starts) == 300
    for row, start in starts[1:]:
        # Spreadsheet rows: the header is row 1 and the Arabic name row 2.
        assert pages[start - 1].startswith(f"Supporter {row - 2}\n"), (row, start)
    assert "Page 1 of 1" in pages[starts[-1][1] - 1]
    assert "Rows that failed" in pages[-1] and "Broken 0" in pages[-1]
    assert "NOT A POSTCODE" in pages[-1] or "postcode" in pages[-1]


def test_mailmerge_file_for_word_and_libreoffice(tmp_path: Path) -> None:
    supporters = tmp_path / "s.csv"
    supporters.write_text(
        "Name,Address,Postcode,Email,Personal\n"
        '=HYPERLINK("http://evil"),"1 High Street, Norwich",NR2 1AB,a@example.org,Hi.\n'
        "Sam,2 Low Road,NOPE,,\n",
        encoding="utf-8",
    )
    merge = tmp_path / "merge.csv"

    result = run("letter", "batch", str(supporters), "-t", "syria-civilians", "--out",
                 str(tmp_path / "o"), "--offline", "--date", "2026-11-25", "--mailmerge",
                 str(merge))  # fmt: skip

    assert result.exit_code == 1
    raw = merge.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["supporter_name", "supporter_email", "rep_name", "rep_email",
                             "subject", "body"]  # fmt: skip
    assert len(rows) == 1
    row = rows[0]
    assert row["supporter_name"].startswith("'=")
    assert row["supporter_email"] == "a@example.org"
    assert row["rep_name"] == "Clive Lewis MP"
    assert row["rep_email"].endswith("@parliament.uk")
    assert row["body"].startswith("Dear Clive Lewis,") and "References" in row["body"]
    assert "[1]" in row["body"] and "https://" in row["body"]


def test_pack_and_mailmerge_refuse_a_resumed_batch(tmp_path: Path) -> None:
    supporters = _supporters(tmp_path / "s.csv", 2)

    result = run("letter", "batch", str(supporters), "-t", "blank", "--out", str(tmp_path / "o"),
                 "--offline", "--resume", "--pack", str(tmp_path / "p.pdf"))  # fmt: skip

    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert not (tmp_path / "o").exists()


def test_batch_writes_pdf_letters(tmp_path: Path) -> None:
    supporters = _supporters(tmp_path / "s.csv", 2)
    out = tmp_path / "o"

    result = run("letter", "batch", str(supporters), "-t", "blank", "--out", str(out),
                 "--offline", "--format", "pdf")  # fmt: skip

    assert result.exit_code == 0, result.stderr
    letters = sorted(out.glob("*.pdf"))
    assert len(letters) == 2
    assert "Supporter 1" in pages_text(letters[1].read_bytes())[0]


def test_markdown_blocks_keep_list_numbers_markers_and_links() -> None:
    blocks = markdown_blocks(
        "# Title\n\nAsk them to:\n\n3. first\n4. second\n\n   more about the second\n\n"
        "- [ ] a task\n- plain [link](https://example.org)\n\n> a warning\n"
    )

    kinds = [(b.kind, b.marker, b.plain) for b in blocks]
    assert kinds == [
        ("heading", "", "Title"),
        ("paragraph", "", "Ask them to:"),
        ("item", "3.", "first"),
        ("item", "4.", "second"),
        ("item", "", "more about the second"),
        ("item", "box", "a task"),
        ("item", "\u2022", "plain link"),
        ("quote", "", "a warning"),
    ]
    assert blocks[1].lead_in and blocks[0].lead_in and not blocks[2].lead_in
    assert [s.link for s in blocks[6].spans if s.text == "link"] == ["https://example.org"]


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_layout_keeps_every_character_in_order_within_the_line(text: str) -> None:
    """Any text a supporter types, in any script: nothing lost, nothing past the margin."""
    assert "".join(part for part, _ in pdf_layout.segments(text)) == text
    lines = pdf_layout.break_lines(pdf_layout.words([Span(text)]), 60.0)
    laid = "".join(p.text for line in lines for word in line.words for p in word.pieces)
    assert laid == "".join(text.split())
    assert all(line.width <= 60.0 + 1e-6 or len(line.words) == 1 for line in lines)
