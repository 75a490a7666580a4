"""A small A4 layout engine on top of fpdf2: fonts for every script, lines, pages.

Why our own line breaking: fpdf2's ``write``/``multi_cell`` re-measure the whole line for
every character added (and re-shape it when text shaping is on), which makes a 300-letter
pack take minutes. Here each word is measured once (and cached across documents), lines
are broken greedily, and each run is placed with ``FPDF.text``: fast, and every page
break is ours to decide, so a heading or a list's lead-in is never left at a page's foot.

Why our own font choice: fpdf2's fallback fonts lose the page's main font when the first
text on a page comes from a fallback (a letter whose sender's name is in Arabic script).
Each run is given its font here, explicitly, from the fonts' own character maps.

Text in a script that needs shaping (Arabic, Hebrew, the Indic scripts) is shaped by
HarfBuzz (uharfbuzz) through fpdf2; Latin, Greek, Cyrillic and CJK text is not, which
keeps the common case fast.

Why our own font loading: one letter per file (``letter batch --format pdf``) spent most of
its time in fpdf2 parsing and subsetting whole fonts for every document. Each font is
parsed once per process here and subset from a small cached font (see "font cache"), and
the paragraphs a batch's letters share are laid out once (``lay_out``).
"""

from __future__ import annotations

import copy
import functools
import io
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

Align = Literal["L", "R", "C"]

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
MARGIN = 25.0
TOP = 20.0
BOTTOM = 272.0
"""Lowest baseline area for text; the footer sits below."""
FOOTER_BASELINE = 285.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_SIZE = 11.0
LEADING = 1.4
POINT = 25.4 / 72  # millimetres in a point
SUPERSCRIPT_SCALE = 0.65
LINK_COLOUR = (20, 60, 140)


# --------------------------------------------------------------------------- fonts


@dataclass(frozen=True, slots=True)
class Face:
    """One font family: its files by style, and whether its script needs shaping."""

    family: str
    styles: tuple[tuple[str, str], ...]
    shaped: bool = False

    def file_for(self, style: str) -> tuple[str, str]:
        """(style actually used, file name): a family without italics uses its upright."""
        available = dict(self.styles)
        for candidate in (style, style.replace("I", ""), ""):
            if candidate in available:
                return candidate, available[candidate]
        raise KeyError(style)  # pragma: no cover - every face has a regular style


MAIN = Face(
    "NotoSans",
    (
        ("", "NotoSans-Regular.ttf"),
        ("B", "NotoSans-Bold.ttf"),
        ("I", "NotoSans-Italic.ttf"),
        ("BI", "NotoSans-BoldItalic.ttf"),
    ),
)
FALLBACKS: tuple[Face, ...] = (
    Face(
        "NotoNaskhArabic",
        (("", "NotoNaskhArabic-Regular.ttf"), ("B", "NotoNaskhArabic-Bold.ttf")),
        shaped=True,
    ),
    Face("NotoSansHebrew", (("", "NotoSansHebrew-Regular.ttf"),), shaped=True),
    Face("NotoSansBengali", (("", "NotoSansBengali-Regular.ttf"),), shaped=True),
    Face("NotoSansDevanagari", (("", "NotoSansDevanagari-Regular.ttf"),), shaped=True),
    Face("NotoSansGujarati", (("", "NotoSansGujarati-Regular.ttf"),), shaped=True),
    Face("NotoSansGurmukhi", (("", "NotoSansGurmukhi-Regular.ttf"),), shaped=True),
    Face("NotoSansTamil", (("", "NotoSansTamil-Regular.ttf"),), shaped=True),
    Face("NotoSansCJK", (("", "NotoSansCJKsc-Regular-subset.otf"),)),
)


def font_path(name: str) -> str:
    return str(files("actkit") / "fonts" / name)


@functools.cache
def coverage(face: Face) -> frozenset[int]:
    """The code points a face has glyphs for (read from its regular font's cmap)."""
    from fontTools.ttLib import TTFont

    font = TTFont(font_path(face.file_for("")[1]), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _is_letter(character: str) -> bool:
    return unicodedata.category(character)[0] in "LMN" and not character.isdigit()


@functools.lru_cache(maxsize=8192)
def _face_for_letter(character: str) -> Face:
    code = ord(character)
    if code in coverage(MAIN):
        return MAIN
    for face in FALLBACKS:
        if code in coverage(face):
            return face
    return MAIN  # nothing has it: the main font's "missing" box, said rather than hidden


def segments(text: str) -> list[tuple[str, Face]]:
    """Split text into runs that one face can draw. Spaces, digits and punctuation stay
    with the run they are in (so an Arabic name is one shaped run)."""
    if text.isascii():
        return [(text, MAIN)]
    runs: list[tuple[str, Face]] = []
    current: Face | None = None
    start = 0
    for index, character in enumerate(text):
        letter = _is_letter(character)
        if current is not None and not letter and ord(character) in coverage(current):
            continue
        face = _face_for_letter(character) if letter else MAIN
        if face is not current:
            if current is not None and index > start:
                runs.append((text[start:index], current))
            current, start = face, index
    if current is not None:
        runs.append((text[start:], current))
    return runs


def is_rtl(text: str) -> bool | None:
    """The direction of the first strong character: True for right to left, None if none."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return None


class _Measurer:
    """One hidden FPDF used only to measure text, its widths cached across documents."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(unit="mm", format="A4")
        self.widths: dict[tuple[str, str, str, float], float] = {}

    def width(self, text: str, face: Face, style: str, size: float) -> float:
        key = (text, face.family, style, size)
        found = self.widths.get(key)
        if found is None:
            if len(self.widths) > 100_000:  # some 25 MB: a long batch of personal words
                self.widths.clear()
            use_font(self.pdf, face, style, size)
            found = self.widths[key] = self.pdf.get_string_width(text)
            if face.shaped:
                self.pdf.set_text_shaping(False)
        return found


@functools.cache
def _measurer() -> _Measurer:
    return _Measurer()


def use_font(pdf: FPDF, face: Face, style: str, size: float) -> None:
    """Select a face (adding it to the document on first use), shaping it if it needs it.
    Only the faces a document draws with are added, so a Latin letter embeds no Arabic."""
    real_style, _ = face.file_for(style)
    key = face.family.lower() + real_style
    if key not in pdf.fonts:
        add_parsed_font(pdf, key, _parsed_font(face, real_style))
    pdf.set_font(face.family, real_style, size)
    if face.shaped:
        pdf.set_text_shaping(True)


# --------------------------------------------------------------------------- font cache
#
# fpdf2 parses a font file for every document (``add_font``: fontTools reads the widths of
# every glyph, about 40 ms a font) and, when the document is written, subsets the parsed
# font in place (another 20 ms, and 170 ms for the CJK font). For one letter per file that
# was most of the time. Here each font file is parsed once per process; every document gets
# a copy whose per-document parts (the glyphs it used) are its own, and just before it is
# written each font is pointed at a small font holding only the glyphs it needs, made once
# per set of glyphs and cached. fpdf2 then subsets that small font in a few milliseconds,
# and the shared parsed font is never touched, so the next document is unharmed.


RENDERING = threading.RLock()
"""Held while a document is drawn and written. The parsed fonts, the HarfBuzz faces (whose
size is set before each shaping) and the width cache are shared by every document in the
process, so documents are made one at a time (``actkit serve`` answers on several threads;
PDF making is pure Python, so this costs no throughput)."""


@functools.cache
def _parsed_font(face: Face, style: str) -> TTFFont:
    """A face's font parsed once, by fpdf2's own ``add_font``, on a scratch document."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    scratch = FPDF()
    scratch.add_font(face.family, style, font_path(face.file_for(style)[1]))
    font = scratch.fonts[face.family.lower() + style]
    assert isinstance(font, TTFFont)
    if face.shaped:
        font.hbfont  # noqa: B018 - loads the HarfBuzz face once, shared by every copy
    # What drawing reads (the character map, widths, glyph names) is read by now. Closing
    # the file makes sure nothing reads it later: a batch's forked workers would share its
    # read position with this process.
    font.ttfont.close()
    return font


def add_parsed_font(pdf: FPDF, key: str, parsed: TTFFont) -> TTFFont:
    """Add an already parsed font to a document, as ``add_font`` would have.

    This is the one place that relies on fpdf2's internals (checked by
    ``tests/test_pdf.py::test_fpdf2_internals_the_font_cache_relies_on``): a document's
    fonts are ``FPDF.fonts`` by key; a ``TTFFont`` is numbered in its document by ``i``;
    what a document draws is recorded in its ``subset`` (a ``SubsetMap``),
    ``missing_glyphs`` and ``biggest_size_pt``; the PDF writer fills in its font descriptor
    ``desc``; everything else (the fontTools font, the character map, the widths, the
    HarfBuzz face) is only read while drawing, so copies share it. A CID-keyed CFF font
    (the CJK one) needs PDF 1.6, which ``add_font`` sets with ``_set_min_pdf_version``.
    """
    from fpdf.fonts import SubsetMap

    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.desc = copy.copy(parsed.desc)
    pdf.fonts[key] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")
    return font


def prepare_fonts_for_output(pdf: FPDF) -> None:
    """Point each font of a document at a small font with the glyphs it used, for fpdf2 to
    subset (in place) when it writes the document, instead of the shared parsed font."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import TTFFont

    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            data = _glyph_subset(str(font.ttffile), _rounded_glyph_set(font))
            # recalcBBoxes=False: the glyphs' boxes are already right in the small font,
            # and recomputing them (decoding every outline) would cost more than all else.
            font.ttfont = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False,
                                 lazy=True)  # fmt: skip


ASCII_PRINTABLE = tuple(range(0x20, 0x7F))
TYPOGRAPHY = (0xA3, 0xA9, 0xB7, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
              0x2026, 0x20AC)  # fmt: skip
"""£ © · – — ‘ ’ “ ” • … €: characters most letters use, kept with ASCII in every subset."""


def _rounded_glyph_set(font: TTFFont) -> frozenset[str]:
    """The glyphs a document used plus the font's ASCII and common punctuation: most
    letters then share one small font (and one cache entry); fpdf2 still embeds only the
    glyphs used."""
    common = _COMMON_GLYPHS.get(font.fontkey)
    if common is None:
        cmap = font.cmap  # the font's own character map, read once by fpdf2
        wanted = (*ASCII_PRINTABLE, *TYPOGRAPHY)
        common = _COMMON_GLYPHS[font.fontkey] = frozenset(cmap[c] for c in wanted if c in cmap)
    return frozenset(font.subset.get_all_glyph_names()) | common


_COMMON_GLYPHS: dict[str, frozenset[str]] = {}
"""By font key (one file per key, see ``use_font``)."""


EMBEDDED_TABLES = frozenset(
    {"head", "hhea", "loca", "maxp", "cvt ", "prep", "glyf", "hmtx", "fpgm", "CFF ", "post"}
)
"""The tables a font keeps in a PDF. A TrueType font used as a CIDFont needs only the first
nine (PDF Reference 1.7, 5.8 "Embedded Font Programs": no cmap, since the PDF maps codes to
glyphs itself); a CFF font is embedded as its CFF table alone. ``post`` holds the glyph names
the document's subset map refers to (fpdf2 then strips them). Fewer tables also make fpdf2's
subsetting faster: fontTools does some work for every table."""


@functools.lru_cache(maxsize=256)
def _glyph_subset(path: str, glyph_names: frozenset[str]) -> bytes:
    """A font file cut down to some glyphs and to the tables a PDF needs, keeping the
    glyphs' names (which the document's subset map refers to)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcBBoxes=False: cutting glyphs away changes no glyph's box, and recomputing them
    # means decoding every outline.
    font = TTFont(io.BytesIO(_font_bytes(path)), recalcBBoxes=False, recalcTimestamp=False,
                  lazy=True)  # fmt: skip
    for tag in set(font.keys()) - EMBEDDED_TABLES - {"GlyphOrder"}:
        del font[tag]  # before subsetting, which would otherwise read the layout tables
    options = subset.Options(glyph_names=True, notdef_outline=True, recommended_glyphs=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=sorted(glyph_names))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@functools.cache
def _font_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:  # noqa: PTH123 - a plain read of a shipped file
        return handle.read()


# --------------------------------------------------------------------------- text model


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style. ``link`` is a URL or an fpdf2 internal link id."""

    text: str
    style: str = ""
    size: float = BODY_SIZE
    superscript: bool = False
    link: str | int | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    face: Face
    style: str
    size: float
    superscript: bool
    link: str | int | None
    width: float


@dataclass(slots=True)
class Word:
    pieces: list[Piece] = field(default_factory=list)
    width: float = 0.0
    """Width without the trailing space."""
    space: float = 0.0
    """Width of the trailing space."""
    rtl: bool | None = None
    break_after: bool = False
    """A forced line break follows."""


@dataclass(slots=True)
class Line:
    """A laid-out line. Lines are cached and shared between documents (most of a batch's
    letters are the same text): nothing changes a line once it is made."""

    words: list[Word]
    height: float
    size: float
    placed: dict[tuple[float, bool], list[tuple[Piece, float]]] = field(default_factory=dict)
    """Its runs and where each starts, by the line's start and direction (see ``_place``)."""

    @property
    def width(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.width + w.space for w in self.words) - self.words[-1].space


_TOKENS = re.compile(r"\n|[^\s]+[^\S\n]*|[^\S\n]+")


def _measure(text: str, span: Span) -> list[Piece]:
    size = span.size * SUPERSCRIPT_SCALE if span.superscript else span.size
    measurer = _measurer()
    return [
        Piece(part, face, span.style, size, span.superscript, span.link,
              measurer.width(part, face, span.style, size))
        for part, face in segments(text)
    ]  # fmt: skip


def words(spans: Sequence[Span]) -> list[Word]:
    """Words (with their trailing space) from styled spans; spans without a space between
    them (a word and its citation) make one word, which never breaks across lines."""
    found: list[Word] = []
    current = Word()
    for span in spans:
        for token in _TOKENS.findall(span.text):
            if token == "\n":
                if current.pieces:
                    found.append(current)
                elif found:
                    found[-1].break_after = True
                    continue
                current.break_after = True
                current = Word()
                continue
            stripped = token.rstrip()
            if stripped:
                for piece in _measure(stripped, span):
                    current.pieces.append(piece)
                    current.width += piece.width
                if current.rtl is None:
                    current.rtl = is_rtl(stripped)
            if stripped != token:  # a space ends the word
                current.space = _measurer().width(" ", MAIN, span.style, span.size)
                if current.pieces:
                    found.append(current)
                elif found:
                    found[-1].space = current.space
                current = Word()
    if current.pieces:
        found.append(current)
    return found


@functools.lru_cache(maxsize=512)
def lay_out(spans: tuple[Span, ...], width: float, size: float) -> tuple[Line, ...]:
    """The lines of a paragraph, cached: the letters of a batch share most of their text,
    and measuring and breaking it again for every letter was a third of the drawing time.
    A template's paragraphs come back in every letter and so stay in the cache; each
    supporter's own words soon leave it (a long paragraph takes some 60 kB here)."""
    return tuple(break_lines(words(spans), width, size))


@functools.lru_cache(maxsize=1024)
def single_line(spans: tuple[Span, ...], size: float) -> Line:
    """Spans as one line, however long (a footer, a table cell), cached like ``lay_out``."""
    return _line(words(spans), size)


def break_lines(found: list[Word], width: float, size: float = BODY_SIZE) -> list[Line]:
    """Greedy line breaking; a word wider than the line (a long URL) is cut where it must."""
    lines: list[Line] = []
    line: list[Word] = []
    used = 0.0
    for word in _fitting(found, width):
        if line and used + word.width > width:
            lines.append(_line(line, size))
            line, used = [], 0.0
        line.append(word)
        used += word.width + word.space
        if word.break_after:
            lines.append(_line(line, size))
            line, used = [], 0.0
    if line or not lines:
        lines.append(_line(line, size))
    return lines


def _line(line_words: list[Word], size: float) -> Line:
    sizes = [p.size for w in line_words for p in w.pieces if not p.superscript] or [size]
    biggest = max(sizes)
    return Line(line_words, biggest * LEADING * POINT, biggest)


def _fitting(found: list[Word], width: float) -> Iterator[Word]:
    for word in found:
        if word.width <= width:
            yield word
        else:
            yield from _cut(word, width)


def _cut(word: Word, width: float) -> Iterator[Word]:
    """Cut an over-long word into line-wide parts, character by character."""
    measurer = _measurer()
    part = Word(rtl=word.rtl)
    for piece in word.pieces:
        text = piece.text
        while text:
            room = width - part.width
            count = len(text)
            while count > 1 and measurer.width(text[:count], piece.face, piece.style,
                                               piece.size) > room:  # fmt: skip
                count = max(1, count * 3 // 4 if count > 8 else count - 1)
            chunk = text[:count]
            chunk_width = measurer.width(chunk, piece.face, piece.style, piece.size)
            if part.pieces and chunk_width > room:
                yield part
                part = Word(rtl=word.rtl)
                continue
            part.pieces.append(
                Piece(chunk, piece.face, piece.style, piece.size, piece.superscript,
                      piece.link, chunk_width)
            )  # fmt: skip
            part.width += chunk_width
            text = text[count:]
    part.space, part.break_after = word.space, word.break_after
    yield part


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str
    author: str = ""
    created: datetime | None = None


class Canvas:
    """An A4 document with a cursor: lines flow down the page and onto the next."""

    def __init__(self, metadata: Metadata) -> None:
        from fpdf import FPDF

        pdf = FPDF(unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, TOP, MARGIN)
        pdf.c_margin = 0
        pdf.set_title(metadata.title)
        if metadata.author:
            pdf.set_author(metadata.author)
        pdf.set_creator("actkit")
        pdf.set_lang("en-GB")
        if metadata.created is not None:
            pdf.set_creation_date(metadata.created)
        self.pdf: FPDF = pdf
        self.y = TOP
        self._font: tuple[str, str, float, bool] | None = None

    @property
    def page(self) -> int:
        return int(self.pdf.page)

    def new_page(self) -> None:
        self.pdf.add_page()
        self._font = None
        self.y = TOP

    def space(self, height: float) -> None:
        """Vertical space, dropped at the top of a page."""
        if self.y > TOP:
            self.y = min(self.y + height, BOTTOM)

    def fits(self, height: float) -> bool:
        return self.y + height <= BOTTOM

    def draw_line(self, line: Line, *, x: float = MARGIN, width: float = TEXT_WIDTH,
                  align: Align = "L", rtl: bool = False, breaks: bool = True) -> None:  # fmt: skip
        """Draw one line at the cursor (starting a page if it does not fit) and move down."""
        if breaks and not self.fits(line.height):
            self.new_page()
        baseline = self.y + line.size * POINT * 1.02
        used = line.width
        start = {"L": x, "R": x + width - used, "C": x + (width - used) / 2}[align]
        if rtl and align == "L":
            start = x + width - used
        self._place(line, start, baseline, rtl)
        self.y += line.height

    def _place(self, line: Line, x: float, baseline: float, rtl: bool) -> None:
        runs = line.placed.get((x, rtl))
        if runs is None:
            runs = line.placed[(x, rtl)] = list(_merged(_positions(line.words, x, rtl)))
        for piece, start in runs:
            self._piece(piece, start, baseline)

    def _piece(self, piece: Piece, x: float, baseline: float) -> None:
        pdf = self.pdf
        key = (piece.face.family, piece.style, piece.size, piece.face.shaped)
        if key != self._font:
            if self._font is not None and self._font[3]:
                pdf.set_text_shaping(False)
            use_font(pdf, piece.face, piece.style, piece.size)
            self._font = key
        y = baseline - (BODY_SIZE * 0.33 * POINT if piece.superscript else 0.0)
        if piece.link is not None:
            pdf.set_text_color(*LINK_COLOUR)
        if piece.face.shaped:
            # cell() runs fpdf2's bidi pass, which text() skips: without it right-to-left
            # glyphs come out in the wrong order. Its baseline sits at half the cell
            # height plus 0.3 of the font size.
            height = piece.size * POINT * 1.2
            pdf.set_xy(x, y - height / 2 - 0.3 * piece.size * POINT)
            pdf.cell(piece.width, height, piece.text)
        else:
            pdf.text(x, y, piece.text)
        if piece.link is not None:
            pdf.set_text_color(0)
            top = y - piece.size * POINT
            pdf.link(x, top, piece.width, piece.size * POINT * 1.25, piece.link)

    def rule(self, *, x: float = MARGIN, width: float = TEXT_WIDTH) -> None:
        self.pdf.set_draw_color(150)
        self.pdf.set_line_width(0.2)
        self.pdf.line(x, self.y, x + width, self.y)

    def box(self, x: float, y: float, size: float) -> None:
        self.pdf.set_draw_color(60)
        self.pdf.set_line_width(0.25)
        self.pdf.rect(x, y, size, size)

    def bar(self, x: float, top: float, bottom: float) -> None:
        """A vertical bar in the margin of a quotation or warning (one page's part)."""
        self.pdf.set_fill_color(170)
        self.pdf.rect(x, top, 0.8, max(bottom - top, 0.1), style="F")

    def text_at(self, x: float, y: float, spans: Sequence[Span], align: Align = "L",
                width: float = TEXT_WIDTH, table_cell: bool = False) -> None:  # fmt: skip
        """One line of text with its top at ``y``, without moving the cursor. A right-to-left
        line is set from the right, except in a table cell, where columns line up left."""
        line = single_line(tuple(spans), spans[0].size if spans else BODY_SIZE)
        saved = self.y
        self.y = y
        rtl = not table_cell and bool(is_rtl(_plain(spans)))
        self.draw_line(line, x=x, width=width, align=align, rtl=rtl, breaks=False)
        self.y = saved

    def go_to_page(self, page: int) -> None:
        """Go back to an earlier page to add to it (page numbers, a pack's cover sheet)."""
        pdf = self.pdf
        pdf.page = page
        self._font = None
        if pdf.font_family:
            # fpdf2 remembers one current font for the whole document, not one per page,
            # so it would not select the font again on this page: change the size to make
            # it write the selection here (the next set_font then writes the real one).
            pdf.set_font_size(pdf.font_size_pt + 0.5)

    def footer(self, page: int, text: str, right: str = "") -> None:
        """Write a footer on an earlier page (page numbers are known only at the end)."""
        current = self.page
        self.go_to_page(page)
        size = 8.5
        self.text_at(MARGIN, FOOTER_BASELINE - size * POINT, [Span(text, size=size)], "C")
        if right:
            self.text_at(MARGIN, FOOTER_BASELINE - size * POINT, [Span(right, size=size)], "R")
        self.go_to_page(current)

    def add_link(self) -> int:
        return int(self.pdf.add_link())

    def set_link_here(self, link: int) -> None:
        self.pdf.set_link(link, y=max(self.y - 2, 0), page=self.page)

    def output(self) -> bytes:
        prepare_fonts_for_output(self.pdf)
        return bytes(self.pdf.output())


def _positions(line_words: list[Word], x: float, rtl: bool) -> list[tuple[Piece, float]]:
    """Each piece of a line with the x it starts at, right-to-left runs reversed."""
    placed: list[tuple[Piece, float]] = []
    for run_words, run_rtl in _visual_runs(line_words, rtl):
        ordered = list(reversed(run_words)) if run_rtl else run_words
        for index, word in enumerate(ordered):
            pieces = reversed(word.pieces) if run_rtl else word.pieces
            for piece in pieces:
                placed.append((piece, x))
                x += piece.width
            if run_rtl:
                x += ordered[index + 1].space if index + 1 < len(ordered) else 0.0
            else:
                x += word.space
        if run_rtl:
            x += run_words[-1].space
    return placed


def _merged(placed: list[tuple[Piece, float]]) -> Iterator[tuple[Piece, float]]:
    """Join neighbouring pieces in the main font and one style into one ``text`` call
    (a call per word would be most of the time spent); without shaping, the width of the
    joined text is the sum of its parts."""
    pending: Piece | None = None
    pending_x = 0.0
    for piece, x in placed:
        if pending is not None and _joinable(pending, piece):
            gap = x - (pending_x + pending.width)
            space = _measurer().width(" ", MAIN, piece.style, piece.size)
            if abs(gap) < 0.001 or abs(gap - space) < 0.001:
                text = pending.text + (" " if gap > 0.001 else "") + piece.text
                pending = Piece(text, MAIN, piece.style, piece.size, piece.superscript,
                                piece.link, x + piece.width - pending_x)  # fmt: skip
                continue
        if pending is not None:
            yield pending, pending_x
        pending, pending_x = piece, x
    if pending is not None:
        yield pending, pending_x


def _joinable(first: Piece, second: Piece) -> bool:
    return (
        first.face is MAIN
        and second.face is MAIN
        and first.style == second.style
        and first.size == second.size
        and first.superscript == second.superscript
        and first.link == second.link
    )


def _plain(spans: Sequence[Span]) -> str:
    return "".join(span.text for span in spans)


def _visual_runs(line_words: list[Word], base_rtl: bool) -> list[tuple[list[Word], bool]]:
    """Group words into runs of one direction, in visual order (a simple bidi: enough for
    an Arabic name in an English letter and for a paragraph written in Arabic)."""
    runs: list[tuple[list[Word], bool]] = []
    for word in line_words:
        direction = word.rtl if word.rtl is not None else (runs[-1][1] if runs else base_rtl)
        if runs and runs[-1][1] == direction:
            runs[-1][0].append(word)
        else:
            runs.append(([word], direction))
    return list(reversed(runs)) if base_rtl else runs
