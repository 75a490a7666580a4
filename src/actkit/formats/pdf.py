"""Letters, print packs and event plans as A4 PDF.

The same layout as the other formats: the sender's letterhead and the date on the right,
the MP's name and address, the body with superscript citations (each a link to its
reference), the references, and "Page 1 of 2" at the foot. Headings and a list's lead-in
("... three things:") always stay on the page with what follows them.

Layout, fonts and page breaks live in ``pdf_layout``; this module turns Markdown and
letters into blocks and flows them onto pages.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Literal

from actkit.formats import pdf_layout as layout
from actkit.formats.pdf_layout import BODY_SIZE, MARGIN, POINT, TEXT_WIDTH, TOP, Canvas, Span
from actkit.letters import CITATION
from actkit.text import one_line

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

    from actkit.events import Plan
    from actkit.letters import Letter

BlockKind = Literal["heading", "paragraph", "item", "quote", "rule"]
HEADING_SIZES = {1: 16.0, 2: 13.0, 3: 11.5}
INDENT = 6.0
REFERENCE_SIZE = 9.0
REFERENCE_LINE = REFERENCE_SIZE * POINT * layout.LEADING


@dataclass(slots=True)
class Block:
    kind: BlockKind
    spans: list[Span]
    level: int = 0
    """Heading level, or a list item's depth (1 for the outer list)."""
    marker: str = ""
    """A list item's bullet or number; "box" for a checklist item."""

    @property
    def plain(self) -> str:
        return "".join(span.text for span in self.spans)

    @property
    def lead_in(self) -> bool:
        """A heading, or a paragraph that introduces what follows ("... as follows:")."""
        return self.kind == "heading" or self.plain.rstrip().endswith(":")


# --------------------------------------------------------------------------- Markdown


def markdown_blocks(markdown: str, citation_links: dict[int, int] | None = None) -> list[Block]:
    """Blocks from CommonMark text; citation markers become superscript links when
    ``citation_links`` maps their numbers to the references' anchors."""
    found: list[Block] = []
    lists: list[_List] = []
    quote = 0
    heading = 0
    for token in _markdown().parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(_List(kind == "ordered_list_open", int(token.attrGet("start") or 1)))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1].item_started = False
        elif kind in ("blockquote_open", "blockquote_close"):
            quote += 1 if kind == "blockquote_open" else -1
        elif kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "heading_close":
            heading = 0
        elif kind == "hr":
            found.append(Block("rule", []))
        elif kind in ("fence", "code_block"):
            found.append(Block("paragraph", [Span(token.content.rstrip("\n"))]))
        elif kind == "inline":
            found.append(_inline_block(token, lists, quote, heading, citation_links))
    return found


@dataclass(slots=True)
class _List:
    ordered: bool
    number: int
    item_started: bool = True
    """False until the current item's first paragraph (which carries the marker)."""


def _inline_block(
    token: Token,
    lists: list[_List],
    quote: int,
    heading: int,
    citation_links: dict[int, int] | None,
) -> Block:
    size = HEADING_SIZES.get(heading, BODY_SIZE) if heading else BODY_SIZE
    spans = _spans(token.children or [], size, "B" if heading else "", citation_links)
    if heading:
        return Block("heading", spans, level=heading)
    if lists and not lists[-1].item_started:
        current = lists[-1]
        current.item_started = True
        marker = "\u2022"
        if current.ordered:
            marker = f"{current.number}."
            current.number += 1
        if spans and spans[0].text.startswith("[ ] "):  # a checklist item: an empty box
            marker = "box"
            spans[0] = Span(spans[0].text[4:], spans[0].style, spans[0].size)
        return Block("item", spans, level=len(lists), marker=marker)
    if lists:
        return Block("item", spans, level=len(lists))  # an item's second paragraph
    return Block("quote" if quote else "paragraph", spans)


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def _spans(
    children: list[Token], size: float, base_style: str, citation_links: dict[int, int] | None
) -> list[Span]:
    spans: list[Span] = []
    bold = "B" in base_style
    italic = False
    link: str | None = None
    for child in children:
        kind = child.type
        style = ("B" if bold else "") + ("I" if italic else "")
        if kind in ("strong_open", "strong_close"):
            bold = kind == "strong_open" or "B" in base_style
        elif kind in ("em_open", "em_close"):
            italic = kind == "em_open"
        elif kind == "link_open":
            link = str(child.attrGet("href") or "") or None
        elif kind == "link_close":
            link = None
        elif kind in ("text", "code_inline"):
            spans.extend(_cited(child.content, style, size, link, citation_links))
        elif kind == "softbreak":
            spans.append(Span(" ", style, size, link=link))
        elif kind == "hardbreak":
            spans.append(Span("\n", style, size))
        elif kind == "image":
            spans.append(Span(child.content, style, size))
    return spans


def _cited(
    text: str, style: str, size: float, link: str | None, citation_links: dict[int, int] | None
) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in CITATION.finditer(text):
        if match.start() > position:
            spans.append(Span(text[position : match.start()], style, size, link=link))
        number = int(match.group(1))
        anchor = citation_links.get(number) if citation_links else None
        spans.append(Span(str(number), style, size, superscript=True, link=anchor))
        position = match.end()
    if position < len(text):
        spans.append(Span(text[position:], style, size, link=link))
    return spans


# --------------------------------------------------------------------------- flowing


def flow(canvas: Canvas, blocks: Sequence[Block]) -> None:
    """Draw blocks down the pages. A lead-in moves to the next page unless it fits with
    the first line of what follows; a paragraph never leaves one line alone at the foot."""
    laid = [_lay_out(block) for block in blocks]
    for index, (block, (lines, indent)) in enumerate(zip(blocks, laid, strict=True)):
        gap_before = _gap_before(block, blocks[index - 1] if index else None)
        canvas.space(gap_before)
        if block.kind == "rule":
            if not canvas.fits(4):
                canvas.new_page()
            canvas.space(1)
            canvas.rule()
            canvas.y += 3
            continue
        needed = sum(line.height for line in lines[:2])
        if block.lead_in and index + 1 < len(blocks):
            needed = _lead_in_height(blocks, laid, index)
        if not canvas.fits(min(needed, layout.BOTTOM - TOP)):
            canvas.new_page()
        _draw_block(canvas, block, lines, indent)


def _lead_in_height(
    blocks: Sequence[Block], laid: list[tuple[tuple[layout.Line, ...], float]], index: int
) -> float:
    """Room for a lead-in, any lead-ins straight after it (a heading, then a subheading),
    and the first line of what they introduce."""
    needed, last = 0.0, index
    while last < len(blocks) and blocks[last].lead_in and last - index < 4:
        needed += sum(line.height for line in laid[last][0])
        if last + 1 < len(blocks):
            needed += _gap_before(blocks[last + 1], blocks[last])
        last += 1
    if last < len(blocks) and laid[last][0]:
        needed += laid[last][0][0].height
    return needed


def _gap_before(block: Block, previous: Block | None) -> float:
    if previous is None:
        return 0.0
    if block.kind == "heading":
        return 5.0 if block.level <= 2 else 3.5
    if block.kind == "item" and previous.kind == "item":
        return 1.2
    return 3.0


def _lay_out(block: Block) -> tuple[tuple[layout.Line, ...], float]:
    indent = 0.0
    if block.kind == "item":
        indent = INDENT * block.level
    elif block.kind == "quote":
        indent = INDENT
    if block.kind == "rule":
        return (), 0.0
    size = block.spans[0].size if block.spans else BODY_SIZE
    return layout.lay_out(tuple(block.spans), TEXT_WIDTH - indent, size), indent


def _draw_block(canvas: Canvas, block: Block, lines: Sequence[layout.Line], indent: float) -> None:
    rtl = bool(layout.is_rtl(block.plain))
    x = MARGIN + indent
    top, page = canvas.y, canvas.page
    for number, line in enumerate(lines):
        canvas.draw_line(line, x=x, width=TEXT_WIDTH - indent, rtl=rtl)
        if canvas.page != page:  # the block went on to a new page
            if block.kind == "quote":
                canvas.bar(MARGIN + 1, top, layout.BOTTOM)
            top, page = canvas.y - line.height, canvas.page
        if number == 0 and block.marker:
            _marker(canvas, block.marker, x, canvas.y - line.height, line)
    if block.kind == "quote":
        canvas.bar(MARGIN + 1, top, canvas.y)


def _marker(canvas: Canvas, marker: str, x: float, top: float, line: layout.Line) -> None:
    if marker == "box":
        size = line.size * POINT * 0.75
        canvas.box(x - INDENT + 0.5, top + line.size * POINT * 0.35, size)
        return
    canvas.text_at(x - INDENT, top, [Span(marker, size=line.size)], width=INDENT)


def paragraph(canvas: Canvas, spans: list[Span], *, align: layout.Align = "L",
              indent: float = 0.0, hanging: Span | None = None) -> None:  # fmt: skip
    """One paragraph at the cursor; ``hanging`` is a label set in the indent ("[1]")."""
    size = spans[0].size if spans else BODY_SIZE
    lines = layout.lay_out(tuple(spans), TEXT_WIDTH - indent, size)
    if not canvas.fits(sum(line.height for line in lines[:2])):
        canvas.new_page()
    rtl = bool(layout.is_rtl("".join(s.text for s in spans)))
    for number, line in enumerate(lines):
        canvas.draw_line(line, x=MARGIN + indent, width=TEXT_WIDTH - indent, align=align,
                         rtl=rtl)  # fmt: skip
        if number == 0 and hanging is not None:
            canvas.text_at(MARGIN, canvas.y - line.height, [hanging], width=indent)


# --------------------------------------------------------------------------- letters


def to_pdf(letter: Letter) -> bytes:
    """One letter as an A4 PDF."""
    with layout.RENDERING:
        canvas = Canvas(_metadata(letter))
        draw_letter(canvas, letter)
        return canvas.output()


def _metadata(letter: Letter) -> layout.Metadata:
    return layout.Metadata(
        title=one_line(letter.subject),
        author=one_line(letter.sender.name),
        created=datetime.combine(letter.date, time(9, 0)),
    )


def draw_letter(canvas: Canvas, letter: Letter, *, footer_right: str = "") -> int:
    """Draw a letter from a new page, number its pages; return its first page."""
    from actkit.formats.letters import reference_text

    canvas.new_page()
    first = canvas.page
    for index, line in enumerate(letter.sender.letterhead):
        paragraph(canvas, [Span(one_line(line), "B" if index == 0 else "")], align="R")
    canvas.space(4)
    paragraph(canvas, [Span(letter.date_text)], align="R")
    canvas.space(8)
    for line in letter.recipient_lines:
        paragraph(canvas, [Span(one_line(line))])
    canvas.space(9)
    anchors = {reference.number: canvas.add_link() for reference in letter.references}
    flow(canvas, markdown_blocks(letter.body, anchors))
    if letter.references:
        canvas.space(8)
        # The heading stays with the first two lines of the first reference.
        if not canvas.fits(10.0 * POINT * layout.LEADING + REFERENCE_LINE * 3):
            canvas.new_page()
        paragraph(canvas, [Span("References", "B", 10.0)])
        for reference in letter.references:
            who_title, dates, url_text = reference_text(reference)
            canvas.space(1.5)
            canvas.set_link_here(anchors[reference.number])
            spans = [Span(f"{who_title}, {dates}. ", size=REFERENCE_SIZE)]
            url = reference.fact.source.url
            spans.append(Span(url_text, size=REFERENCE_SIZE, link=url or None))
            label = Span(f"[{reference.number}]", size=REFERENCE_SIZE)
            paragraph(canvas, spans, indent=8.0, hanging=label)
    last = canvas.page
    for page in range(first, last + 1):
        canvas.footer(page, f"Page {page - first + 1} of {last - first + 1}", footer_right)
    return first


# --------------------------------------------------------------------------- event plans


def plan_to_pdf(plan: Plan) -> bytes:
    """An event plan as an A4 PDF: the Markdown plan's content, laid out for print."""
    from actkit.formats.events import render_markdown

    with layout.RENDERING:
        canvas = Canvas(layout.Metadata(title=_first_line(render_markdown(plan))))
        canvas.new_page()
        flow(canvas, markdown_blocks(render_markdown(plan)))
        last = canvas.page
        for page in range(1, last + 1):
            canvas.footer(page, f"Page {page} of {last}")
        return canvas.output()


def _first_line(markdown: str) -> str:
    return one_line(markdown.split("\n", 1)[0].lstrip("# "))


# --------------------------------------------------------------------------- packs


@dataclass(frozen=True, slots=True)
class PackLetter:
    row: int
    letter: Letter


@dataclass(frozen=True, slots=True)
class PackFailure:
    row: int
    name: str
    reason: str


COVER_ROWS_PER_PAGE = 38
COVER_ROW_HEIGHT = 5.6
COVER_COLUMNS = (("Row", 12.0), ("Supporter", 46.0), ("MP", 50.0), ("Constituency", 40.0),
                 ("Page", 12.0))  # fmt: skip


def pack_to_pdf(
    letters: Sequence[PackLetter], failures: Sequence[PackFailure], title: str
) -> bytes:
    """Every letter of a batch in one PDF, each from a new page, after a cover sheet that
    says whose letter starts on which page; rows that failed are listed at the end."""
    ordered = sorted(letters, key=lambda entry: entry.row)
    with layout.RENDERING:
        canvas = Canvas(layout.Metadata(title=title))
        cover_pages = max(1, math.ceil(len(ordered) / COVER_ROWS_PER_PAGE))
        for _ in range(cover_pages):
            canvas.new_page()
        starts = []
        for entry in ordered:
            footer = f"Row {entry.row}"
            starts.append(draw_letter(canvas, entry.letter, footer_right=footer))
        if failures:
            _failures(canvas, sorted(failures, key=lambda failure: failure.row))
        _cover(canvas, title, ordered, starts, cover_pages, bool(failures))
        return canvas.output()


def _cover(canvas: Canvas, title: str, letters: Sequence[PackLetter], starts: list[int],
           pages: int, has_failures: bool) -> None:  # fmt: skip
    for page in range(1, pages + 1):
        canvas.go_to_page(page)
        canvas.y = TOP
        if page == 1:
            paragraph(canvas, [Span(title, "B", 15.0)])
            canvas.space(1)
            summary = f"{len(letters):,} letters, each starting on a new page."
            if has_failures:
                summary += " Rows that could not be written are listed at the end."
            paragraph(canvas, [Span(summary, size=9.5)])
            canvas.space(4)
        _cover_row(canvas, [name for name, _ in COVER_COLUMNS], bold=True)
        chunk = slice((page - 1) * COVER_ROWS_PER_PAGE, page * COVER_ROWS_PER_PAGE)
        for entry, start in zip(letters[chunk], starts[chunk], strict=True):
            letter = entry.letter
            cells = [str(entry.row), letter.sender.name, letter.mp.full_title,
                     letter.constituency.name, str(start)]  # fmt: skip
            _cover_row(canvas, cells, bold=False)
        canvas.footer(page, f"Cover sheet, page {page} of {pages}")
    canvas.go_to_page(canvas.pdf.pages_count)


def _cover_row(canvas: Canvas, cells: list[str], *, bold: bool) -> None:
    x = MARGIN
    for (_, width), cell in zip(COVER_COLUMNS, cells, strict=True):
        text = _fit(one_line(cell), width - 2, "B" if bold else "", 9.0)
        span = Span(text, "B" if bold else "", 9.0)
        canvas.text_at(x, canvas.y, [span], width=width - 2, table_cell=True)
        x += width
    canvas.y += COVER_ROW_HEIGHT
    if bold:
        canvas.rule()
        canvas.y += 0.8


def _fit(text: str, width: float, style: str, size: float) -> str:
    """Shorten text with an ellipsis until it fits one cell."""
    span_words = layout.words([Span(text, style, size)])
    if sum(w.width + w.space for w in span_words) <= width:
        return text
    while len(text) > 1:
        text = text[:-1]
        shortened = layout.words([Span(text.rstrip() + "\u2026", style, size)])
        if sum(w.width + w.space for w in shortened) <= width:
            return text.rstrip() + "\u2026"
    return text


def _failures(canvas: Canvas, failures: Sequence[PackFailure]) -> None:
    canvas.new_page()
    first = canvas.page
    flow(canvas, [Block("heading", [Span("Rows that failed", "B", 13.0)], level=2)])
    canvas.space(2)
    paragraph(canvas, [Span("No letter was written for these rows; the manifest has the "
                            "details.", size=9.5)])  # fmt: skip
    canvas.space(3)
    for failure in failures:
        spans = [Span(f"{one_line(failure.name) or '(no name)'}: ", "B", 9.5),
                 Span(one_line(failure.reason), size=9.5)]  # fmt: skip
        paragraph(canvas, spans, indent=12.0, hanging=Span(f"Row {failure.row}", size=9.5))
        canvas.space(1)
    last = canvas.page
    for page in range(first, last + 1):
        canvas.footer(page, f"Failed rows, page {page - first + 1} of {last - first + 1}")


__all__ = ["PackFailure", "PackLetter", "pack_to_pdf", "plan_to_pdf", "to_pdf"]
