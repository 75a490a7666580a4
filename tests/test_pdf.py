"""PDF letters, plans and print packs, re-opened with pypdf: text, pages, fonts, links,
and no heading or list lead-in left at the foot of a page."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
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


# --------------------------------------------------------------------------- shared fonts

TRUETYPE_TABLES_A_PDF_NEEDS = {"head", "hhea", "loca", "maxp", "cvt ", "prep", "glyf", "hmtx",
                               "fpgm"}  # fmt: skip


def embedded_fonts(data: bytes) -> dict[str, bytes]:
    """Each font of a PDF by name, with its embedded (decoded) font program."""
    found: dict[str, bytes] = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"]["/Font"]
        for key in fonts:
            font = fonts[key].get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            assert program is not None, f"{font['/BaseFont']} is not embedded"
            found[str(font["/BaseFont"])] = program.get_object().get_data()
    return found


def assert_subset_and_valid(name: str, program: bytes) -> None:
    from fontTools.ttLib import TTFont

    assert re.match(r"^/[A-Z]{6}\+", name), f"{name} has no subset tag"
    if b"glyf" in program[:400]:  # TrueType: a font program a PDF reader can use
        font = TTFont(io.BytesIO(program))
        assert set(font.keys()) >= TRUETYPE_TABLES_A_PDF_NEEDS, name
        assert len(font.getGlyphOrder()) < 400, f"{name} is not subset"
    assert len(program) < 60_000, f"{name} embeds {len(program)} bytes"  # full fonts: 170+ kB


def test_letters_in_every_script_one_after_another_in_one_process(tmp_path: Path) -> None:
    """Fonts are parsed once and shared by every document in a process; writing one PDF
    must not change the next (fpdf2 subsets a font in place when it writes a document)."""
    from actkit.formats import pdf_layout

    letters = [
        ("latin", "Alex Example", "I have lived here for ten years."),
        ("arabic", ARABIC_NAME, "أعيش هنا منذ عشر سنوات."),
        ("cjk", "王小明", "我叫王小明, and I care."),
        ("mixed", "Siobhán Ní Bhriain", "فاطمة and 王秀英 and আমার পরিবার."),
        ("latin-again", "Alex Example", "I have lived here for ten years."),
    ]
    written: dict[str, bytes] = {}
    parsed_before_last = 0
    for label, name, personal in letters:
        out = tmp_path / f"{label}.pdf"
        if label == "latin-again":
            parsed_before_last = pdf_layout._parsed_font.cache_info().misses
        result = run(*LETTER, "--name", name, "--personal", personal, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        written[label] = out.read_bytes()

    # The same letter again, after Arabic, Chinese and Bengali ones: the very same bytes,
    # and no font parsed again.
    assert written["latin-again"] == written["latin"]
    assert pdf_layout._parsed_font.cache_info().misses == parsed_before_last

    for label, name, _ in letters:
        data = written[label]
        first = re.sub(r"[\x00-\x1f]", "", pages_text(data)[0])
        assert "Dear Clive Lewis," in first, label
        for word in name.split():
            assert word in first, (label, word)
        fonts = embedded_fonts(data)
        for font_name, program in fonts.items():
            assert_subset_and_valid(font_name, program)
        families = {font_name.split("+")[1] for font_name in fonts}
        if label.startswith("latin"):
            # A letter in English embeds only the fonts it uses.
            assert families <= {"NotoSans", "NotoSansBold", "NotoSansItalic"}, families
            assert "Page 1 of" in first
    assert "أعيش" in pages_text(written["arabic"])[0]
    assert any("NaskhArabic" in f for f in embedded_fonts(written["arabic"]))
    assert any("CJK" in f for f in embedded_fonts(written["cjk"]))
    assert written["cjk"].startswith(b"%PDF-1.6")  # a CID-keyed CFF font needs PDF 1.6
    mixed = embedded_fonts(written["mixed"])
    assert {"NaskhArabic", "CJK", "Bengali"} <= {
        part for f in mixed for part in ("NaskhArabic", "CJK", "Bengali") if part in f
    }
    assert "আমার" in pages_text(written["mixed"])[0]


def _face_sample(face: pdf_layout.Face) -> str:
    """A few letters that the layout gives to this face."""
    letters = [
        chr(code)
        for code in sorted(pdf_layout.coverage(face))
        if chr(code).isalpha() and pdf_layout._face_for_letter(chr(code)) is face
    ]
    return "".join(letters[10:16])


FACES_AND_STYLES = [
    (face, style) for face in (pdf_layout.MAIN, *pdf_layout.FALLBACKS) for style, _ in face.styles
]


@pytest.mark.parametrize(
    ("face", "style"),
    FACES_AND_STYLES,
    ids=lambda value: value.family if isinstance(value, pdf_layout.Face) else value or "R",
)
def test_every_shipped_font_survives_being_shared(face: pdf_layout.Face, style: str) -> None:
    sample = _face_sample(face)
    documents = []
    for _ in range(2):
        canvas = Canvas(Metadata("fonts", created=datetime(2026, 12, 2, 9, 0)))
        canvas.new_page()
        canvas.text_at(30, 30, [Span(f"{sample} {sample}", style)], table_cell=True)
        documents.append(canvas.output())

    assert documents[0] == documents[1]
    fonts = embedded_fonts(documents[0])
    assert any(face.family.lower() in name.lower() for name in fonts), fonts
    for name, program in fonts.items():
        assert_subset_and_valid(name, program)


def test_fpdf2_internals_the_font_cache_relies_on() -> None:
    """``pdf_layout.add_parsed_font`` and ``prepare_fonts_for_output`` use these parts of
    fpdf2 that are not its documented interface; if this fails, fpdf2 changed them."""
    import copy

    from fpdf import FPDF
    from fpdf.fonts import SubsetMap, TTFFont

    pdf = FPDF()
    pdf.add_font("NotoSans", "", pdf_layout.font_path("NotoSans-Regular.ttf"))
    font = pdf.fonts["notosans"]
    assert isinstance(font, TTFFont)
    assert font.i == 1  # numbered by len(pdf.fonts) + 1
    assert font.fontkey == "notosans" and font.cmap[ord("a")] == "a"
    for name in ("subset", "missing_glyphs", "biggest_size_pt", "desc", "ttfont", "ttffile",
                 "fontkey", "cmap", "is_cff", "is_cid_keyed"):  # fmt: skip
        assert hasattr(font, name), name
    shared = copy.copy(font)
    assert shared.ttfont is font.ttfont and shared.cw is font.cw
    assert SubsetMap(shared).get_all_glyph_names() == ["NULL", "space"]
    assert callable(pdf._set_min_pdf_version)

    # Why the shared font is never written: fpdf2 subsets ``ttfont`` in place.
    glyphs = len(font.ttfont.getGlyphOrder())
    pdf.add_page()
    pdf.set_font("NotoSans", size=12)
    pdf.text(20, 20, "abc")
    pdf.output()
    assert len(font.ttfont.getGlyphOrder()) < glyphs
