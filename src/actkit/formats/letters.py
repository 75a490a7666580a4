"""A rendered ``Letter`` as plain text, Markdown, print-ready HTML, an .eml draft or .docx.

Layout follows a UK letter: the sender's address and the date, the MP's name and address,
the body, then the references. The .eml puts the sender's address under the signature
instead: MPs answer only constituents, and need the address to check.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import TYPE_CHECKING, Any, Literal

from markupsafe import Markup

from actkit.errors import InvalidEmail, InvalidInput, NoAnswer
from actkit.formats import CONTENT_SECURITY_POLICY
from actkit.formats.safe import MAX_HEADER_TEXT, shortened, text_safe
from actkit.letters import (
    CITATION,
    RECIPIENT_SLOT,
    Letter,
    Reference,
    SharedForm,
    markdown_escape,
    with_recipient_values,
)
from actkit.text import format_date

if TYPE_CHECKING:
    from email.headerregistry import Address

    from jinja2 import Template
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

Format = Literal["txt", "md", "html", "eml", "docx", "pdf"]
FORMATS: tuple[Format, ...] = ("txt", "md", "html", "eml", "docx", "pdf")
EXTENSIONS: dict[str, Format] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".eml": "eml",
    ".docx": "docx",
    ".pdf": "pdf",
}
WIDTH = 72
BINARY_FORMATS: frozenset[Format] = frozenset({"docx", "pdf"})
"""Formats that are not text: never written to a terminal."""


@functools.cache
def _markdown() -> MarkdownIt:
    """The CommonMark parser, built on first use: most plain-text letters never need it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False})
    parser.add_render_rule("image", _image_as_text)
    return parser


def _image_as_text(_renderer: Any, tokens: list[Token], index: int, *_: Any) -> str:
    # A letter loads nothing from elsewhere: an image (which a template could point at a
    # tracking address) becomes its description, and its address is dropped.
    from markupsafe import escape

    return str(escape(tokens[index].content))


def encoded(letter: Letter, fmt: Format) -> bytes:
    """The letter as the bytes of its file (a batch writes these)."""
    if fmt == "txt":
        quick = _text_bytes(letter)
        if quick is not None:
            return quick
    content = render(letter, fmt, clean=False)
    if isinstance(content, bytes):
        return content
    try:
        return content.encode("utf-8")  # the usual case: one pass, nothing to clean
    except UnicodeEncodeError:
        return text_safe(content).encode("utf-8")


def render(letter: Letter, fmt: Format, *, clean: bool = True) -> str | bytes:
    """The letter in ``fmt``; ``clean=False`` leaves unpaired surrogates for the caller
    (see ``encoded``)."""
    if fmt == "eml":
        return to_eml(letter)
    if fmt == "docx":
        return to_docx(letter)
    if fmt == "pdf":
        from actkit.formats.pdf import to_pdf  # fpdf2 loads only when a PDF is wanted

        return to_pdf(letter)
    text = {"txt": to_text, "md": to_markdown, "html": to_html}[fmt](letter)
    return text_safe(text) if clean else text


# --- A small document model shared by the text and docx writers ------------------------


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    citation: int | None = None


@dataclass(frozen=True, slots=True)
class Block:
    kind: Literal["paragraph", "bullet", "numbered", "quote", "heading"]
    runs: tuple[Run, ...]
    number: int = 0
    list_id: int = 0
    """Items of one list share an id, so writers can keep them together."""


def blocks(markdown: str) -> list[Block]:
    """Paragraphs and list items of a Markdown body, with inline styling and citations."""
    found: list[Block] = []
    lists: list[list[Any]] = []  # stack of [kind, next number]
    kind: Any = "paragraph"
    for token in _markdown().parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1)
            kind_of_list = "bullet" if token.type == "bullet_list_open" else "numbered"
            lists.append([kind_of_list, start, len(found) + 1])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "blockquote_open":
            kind = "quote"
        elif token.type == "blockquote_close":
            kind = "paragraph"
        elif token.type == "inline":
            found.append(_block(token, lists, kind))
        elif token.type in ("fence", "code_block"):
            found.append(Block("paragraph", (Run(token.content.rstrip("\n")),)))
    return found


def _block(token: Token, lists: list[list[Any]], kind: Any) -> Block:
    runs = tuple(_runs(token.children or []))
    if lists:
        list_kind, number, list_id = lists[-1]
        lists[-1][1] = number + 1
        return Block(list_kind, runs, number, list_id)
    return Block(kind, runs)


def _runs(children: list[Token]) -> Iterator[Run]:
    bold = italic = False
    for child in children:
        if child.type in ("strong_open", "strong_close"):
            bold = child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            italic = child.type == "em_open"
        elif child.type in ("text", "code_inline"):
            yield from _split_citations(child.content, bold, italic)
        elif child.type == "softbreak":
            yield Run(" ", bold, italic)
        elif child.type == "hardbreak":
            yield Run("\n", bold, italic)
        elif child.type == "link_close":
            yield Run(f" ({child.meta.get('href', '')})") if child.meta.get("href") else Run("")
        elif child.type == "image":
            yield Run(child.content)


def _split_citations(text: str, bold: bool, italic: bool) -> Iterator[Run]:
    position = 0
    for match in CITATION.finditer(text):
        if match.start() > position:
            yield Run(text[position : match.start()], bold, italic)
        yield Run("", citation=int(match.group(1)))
        position = match.end()
    if position < len(text):
        yield Run(text[position:], bold, italic)


# --- References ---------------------------------------------------------------------


def reference_text(reference: Reference) -> tuple[str, str, str]:
    """(who and title, dates, url) for one reference, in plain words."""
    fact, source = reference.fact, reference.fact.source
    who = f"{source.author}, {source.publisher}" if source.author else source.publisher
    published = (
        f"published {format_date(source.published)}"
        if source.published
        else "publication date not given"
    )
    as_of = f"as of {format_date(fact.as_of)}" if fact.as_of else "no 'as of' date given"
    url = source.url or "no URL"
    if source.archived_url:
        url += f" (archived copy: {source.archived_url})"
    return f"{who}, {source.cited_title}", f"{published}; {as_of}", url


# --- Plain text ------------------------------------------------------------------------


def to_text(letter: Letter) -> str:
    form = letter.form
    if form is not None:
        layout = _text_layout(form.shared)
        if layout is not None and _fills_plainly(form.values):
            head = "\n".join(letter.sender.letterhead)
            return head + layout.middle + _fill_text(layout.chunks, form.values) + layout.tail
    parts = [
        "\n".join(letter.sender.letterhead),
        letter.date_text,
        "\n".join(letter.recipient_lines),
        _text_body(letter),
    ]
    return "\n\n".join(parts) + _text_references(letter)


def _text_body(letter: Letter) -> str:
    form = letter.form
    if form is not None:
        layout = _text_layout(form.shared)
        if layout is not None and _fills_plainly(form.values):
            return _fill_text(layout.chunks, form.values)
    return "\n\n".join(map(_chunk_text, _chunks(letter.body)))


# --- Render once, fill many ---------------------------------------------------------------
# A batch's letters to one MP share all but the sender's values (``letters.SharedForm``).
# Each text format lays a shared form out once: the date, the MP's address, the
# references and every paragraph without a sender's value are formatted once, and only
# the letterhead and the paragraphs holding a value are formatted for each letter. The
# result is the same as formatting the whole letter (tests/test_letters.py checks it).

_Chunk = str | tuple[str | int, ...]
"""A formatted paragraph, or the pieces (text and value indices) of one to format."""


@dataclass(frozen=True, slots=True)
class _TextLayout:
    middle: str
    """From the end of the letterhead to the start of the body."""
    chunks: tuple[_Chunk, ...]
    tail: str
    """The references."""
    encoded: tuple[bytes, tuple[bytes | None, ...], bytes] | None = None
    """``middle``, each formatted chunk (None for one to fill) and ``tail`` as UTF-8, so
    that a letter's file is mostly bytes encoded once per form; None if one cannot be."""


def _text_layout(shared: SharedForm) -> _TextLayout | None:
    """The plain-text layout of a form (None when its body needs the careful split)."""
    try:
        return shared.layouts["txt"]  # type: ignore[no-any-return]
    except KeyError:
        pass
    chunks = _recipient_chunks(shared)
    layout = None
    if chunks is not None:
        recipient = "\n".join((shared.mp.full_title, *shared.mp.postal_address))
        middle = f"\n\n{format_date(shared.date)}\n\n{recipient}\n\n"
        tail = _references_text(shared.references)
        layout = _TextLayout(middle, chunks, tail, _encoded_layout(middle, chunks, tail))
    shared.layouts["txt"] = layout
    return layout


def _encoded_layout(
    middle: str, chunks: tuple[_Chunk, ...], tail: str
) -> tuple[bytes, tuple[bytes | None, ...], bytes] | None:
    try:
        fixed = tuple(chunk.encode() if isinstance(chunk, str) else None for chunk in chunks)
        return middle.encode(), fixed, tail.encode()
    except UnicodeEncodeError:  # an unpaired surrogate: cleaned when the letter is
        return None


def _text_bytes(letter: Letter) -> bytes | None:
    """``to_text`` as UTF-8, from a layout encoded once per form (None: not laid out so)."""
    form = letter.form
    if form is None or not _fills_plainly(form.values):
        return None
    layout = _text_layout(form.shared)
    if layout is None or layout.encoded is None:
        return None
    middle, fixed, tail = layout.encoded
    values = form.values
    try:
        pieces = ["\n".join(letter.sender.letterhead).encode(), middle]
        body: list[bytes] = []
        for chunk, chunk_bytes in zip(layout.chunks, fixed, strict=True):
            if isinstance(chunk, str):  # formatted once: its bytes too
                body.append(chunk_bytes or chunk.encode())
            else:
                body.extend(text.encode() for text in _filled_chunk(chunk, values))
    except UnicodeEncodeError:
        return None  # a surrogate in the supporter's values: the letter is cleaned whole
    pieces.append(b"\n\n".join(body))
    pieces.append(tail)
    return b"".join(pieces)


def _recipient_chunks(shared: SharedForm) -> tuple[_Chunk, ...] | None:
    """The form's chunks: from its generic form's chunks, laid out once for every
    recipient, filling in this recipient's values (only the paragraphs that hold one are
    formatted again); else from its own parts."""
    generic = shared.generic
    if generic is None or not _fills_plainly(shared.recipient_values):
        return _layout_chunks(shared.parts)
    try:
        chunks = generic.layouts["txt"]
    except KeyError:
        chunks = generic.layouts["txt"] = _layout_chunks(generic.parts)
    if chunks is None:
        return None
    values = shared.recipient_values
    return tuple(
        chunk if isinstance(chunk, str) else _fill_recipient(chunk, values) for chunk in chunks
    )


def _fill_recipient(chunk: tuple[str | int, ...], values: tuple[str, ...]) -> _Chunk:
    """A generic chunk with the recipient's values in: formatted text when no sender's
    value is left in it, else its pieces (texts joined, as ``_layout_chunks`` has them)."""
    pieces: list[str | int] = []
    for piece in chunk:
        if isinstance(piece, int) and piece >= RECIPIENT_SLOT:
            piece = values[piece - RECIPIENT_SLOT]
        if isinstance(piece, str) and pieces and isinstance(pieces[-1], str):
            pieces[-1] += piece
        else:
            pieces.append(piece)
    if len(pieces) == 1 and isinstance(pieces[0], str):
        return _chunk_text(pieces[0])
    return tuple(pieces)


def _fills_plainly(values: tuple[str, ...]) -> bool:
    """Values that cannot change where the body splits into chunks (row values are trimmed
    and Markdown-escaped, so this holds unless a template does something unusual)."""
    return not any(map(_UNPLAIN_VALUE.search, values))


# A value starting or ending with white space, or holding a code fence or an indented
# paragraph (what makes ``_chunks`` split with care).
_UNPLAIN_VALUE = re.compile(r"\A\s|\s\Z|\n\n[ \t]|```|~~~")


def _layout_chunks(parts: tuple[str | int, ...]) -> tuple[_Chunk, ...] | None:
    """A body's chunks (see ``_chunks``), formatted where they hold no value."""
    if _fenced("\x00".join(p for p in parts if isinstance(p, str))):
        return None
    chunks: list[list[str | int]] = [[]]
    for part in parts:
        if isinstance(part, int):
            chunks[-1].append(part)
            continue
        first, *rest = part.split("\n\n")
        chunks[-1].append(first)
        chunks.extend([piece] for piece in rest)
    if any(_indented(chunk[0]) for chunk in chunks[1:]):
        return None  # a list item's continuation: ``_chunks`` takes care of it
    # As ``_chunks`` strips the body's leading and trailing newlines.
    if isinstance(chunks[0][0], str):
        chunks[0][0] = chunks[0][0].lstrip("\n")
    if isinstance(chunks[-1][-1], str):
        chunks[-1][-1] = chunks[-1][-1].rstrip("\n")
    # Neighbouring paragraphs without a value are joined once, here, not for each letter.
    segments: list[_Chunk] = []
    for pieces in chunks:
        if len(pieces) > 1:
            segments.append(tuple(p for p in pieces if p != ""))
        elif segments and isinstance(segments[-1], str):
            segments[-1] += "\n\n" + _chunk_text(str(pieces[0]))
        else:
            segments.append(_chunk_text(str(pieces[0])))
    return tuple(segments)


def _fill_text(chunks: tuple[_Chunk, ...], values: tuple[str, ...]) -> str:
    texts: list[str] = []
    for chunk in chunks:
        if isinstance(chunk, str):
            texts.append(chunk)
        else:
            texts.extend(_filled_chunk(chunk, values))
    return "\n\n".join(texts)


def _filled_chunk(chunk: tuple[str | int, ...], values: tuple[str, ...]) -> list[str]:
    """A chunk with the supporter's values in, formatted: personal words may be several
    paragraphs, each a chunk of its own. Not cached: these are one letter's own words."""
    filled = "".join([values[p] if isinstance(p, int) else p for p in chunk])
    return list(map(_format_chunk, filled.split("\n\n")))


_FENCE = re.compile(r"^(```|~~~)", flags=re.MULTILINE)
_INDENT = (" ", "\t")
"""A piece starting with one of these after a blank line continues a list item."""


def _fenced(text: str) -> bool:
    """Whether ``text`` may hold a code fence (a single character is found in a fraction
    of the time a three-character string takes, and most letters have neither)."""
    return ("`" in text and "```" in text) or ("~" in text and "~~~" in text)


def _indented(piece: str | int) -> bool:
    return isinstance(piece, str) and piece[:1] in _INDENT


# Anything that could be Markdown syntax; a chunk without any is plain text as it stands.
_MAYBE_MARKDOWN = re.compile(r"[\\`*_\[\]<>#|~&!\n]|^[\s\d+=-]")


def _chunks(markdown: str) -> list[str]:
    """Top-level pieces of a body, split at blank lines.

    Letters from one template share most of their paragraphs, so each piece's text is
    cached (``_chunk_text``): a batch formats each shared paragraph once. An indented
    piece (a list item's continuation) or one inside a code fence stays with the last.
    """
    pieces = markdown.strip("\n").split("\n\n")
    if not _fenced(markdown) and not any(map(_indented, pieces[1:])):
        return pieces  # the usual case: nothing indented, no code fences
    chunks: list[str] = []
    in_fence = False
    for piece in pieces:
        if chunks and (in_fence or piece[:1] in (" ", "\t")):
            chunks[-1] += "\n\n" + piece
        else:
            chunks.append(piece)
        if ("```" in piece or "~~~" in piece) and len(_FENCE.findall(piece)) % 2:
            in_fence = not in_fence
    return chunks


@functools.lru_cache(maxsize=4096)
def _chunk_text(chunk: str) -> str:
    return _format_chunk(chunk)


def _format_chunk(chunk: str) -> str:
    if not _MAYBE_MARKDOWN.search(chunk):
        return _wrap(CITATION.sub(r"[\1]", chunk.strip()), "", "")
    text, previous = "", None
    for block in blocks(chunk):
        same_list = previous is not None and block.list_id and block.list_id == previous.list_id
        text += ("\n" if same_list else "\n\n" if previous else "") + _wrap_block(block)
        previous = block
    return text


def _wrap(line: str, prefix: str, indent: str) -> str:
    if len(prefix) + len(line) <= WIDTH:
        return prefix + line  # what textwrap would give, without its cost
    if not _NOT_SIMPLY_SPACED.search(line):
        words = line.split(" ")
        if all(word.strip() for word in words):  # textwrap drops a blank "word" at a break
            return _fill_words(words, prefix, indent)
    return _textwrap_fill(line, prefix, indent)


def _textwrap_fill(line: str, prefix: str, indent: str) -> str:
    """A letter's line as textwrap fills it: words never broken, not even at hyphens."""
    return textwrap.fill(
        line,
        WIDTH,
        initial_indent=prefix,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


# What textwrap treats as white space besides single spaces between words. A line without
# any is filled by ``_fill_words``, several times faster than textwrap, with its result.
_NOT_SIMPLY_SPACED = re.compile("[\t\n\x0b\x0c\r]|  |^ | $")


def _fill_words(words: list[str], prefix: str, indent: str) -> str:
    """``textwrap.fill`` of the words joined by single spaces (``break_long_words`` and
    ``break_on_hyphens`` off): each line takes words while they fit; a word longer than a
    line has a line of its own."""
    lines = []
    start, width = prefix, WIDTH - len(prefix)
    current: list[str] = []
    length = 0
    for word in words:
        if not current:
            current, length = [word], len(word)
        elif length + 1 + len(word) <= width:
            current.append(word)
            length += 1 + len(word)
        else:
            lines.append(start + " ".join(current))
            start, width = indent, WIDTH - len(indent)
            current, length = [word], len(word)  # a word longer than a line: alone
    if current:
        lines.append(start + " ".join(current))
    return "\n".join(lines)


def _plain(runs: tuple[Run, ...]) -> str:
    return "".join(f"[{run.citation}]" if run.citation else run.text for run in runs)


def _wrap_block(block: Block) -> str:
    prefix = {"bullet": "- ", "numbered": f"{block.number}. ", "quote": "> "}.get(block.kind, "")
    indent = " " * len(prefix) if block.kind != "quote" else "> "
    lines = _plain(block.runs).split("\n")
    return "\n".join(
        _wrap(line, prefix if i == 0 else indent, indent) for i, line in enumerate(lines)
    )


def _text_references(letter: Letter) -> str:
    return _references_text(letter.references)


@functools.lru_cache(maxsize=64)
def _references_text(references: tuple[Reference, ...]) -> str:
    if not references:
        return "\n"
    entries = []
    for reference in references:
        who_title, dates, url = reference_text(reference)
        label = f"[{reference.number}] "
        entry = textwrap.fill(
            f"{label}{who_title}, {dates}. {url}",
            WIDTH,
            subsequent_indent=" " * len(label),
            break_long_words=False,
            break_on_hyphens=False,
        )
        entries.append(entry)
    return "\n\nReferences\n\n" + "\n".join(entries) + "\n"


# --- Markdown ---------------------------------------------------------------------------


def to_markdown(letter: Letter) -> str:
    form = letter.form
    if form is not None:
        layout = _markdown_layout(form.shared)
        values = form.values
        body = "".join([values[p] if isinstance(p, int) else p for p in layout.parts])
        head = _markdown_lines(letter.sender.letterhead)
        return f"{head}{layout.middle}{body.strip()}\n{layout.tail}"
    parts = [
        _markdown_lines(letter.sender.letterhead),
        letter.date_text,
        _markdown_lines(letter.recipient_lines),
        CITATION.sub(r"[\1]", letter.body.strip()),
    ]
    return "\n\n".join(parts) + "\n" + _markdown_references(letter.references)


def _markdown_lines(lines: tuple[str, ...]) -> str:
    return "\\\n".join(markdown_escape(line) for line in lines)


@dataclass(frozen=True, slots=True)
class _MarkdownLayout:
    middle: str
    parts: tuple[str | int, ...]
    """The body's parts with citations numbered (values hold no citation marker)."""
    tail: str


def _markdown_layout(shared: SharedForm) -> _MarkdownLayout:
    try:
        return shared.layouts["md"]  # type: ignore[no-any-return]
    except KeyError:
        pass
    recipient = _markdown_lines((shared.mp.full_title, *shared.mp.postal_address))
    generic = shared.generic
    if generic is None:
        parts = _cited_as_markdown(shared.parts)
    else:  # numbered once for every recipient; their values hold no citation
        try:
            cited = generic.layouts["md"]
        except KeyError:
            cited = generic.layouts["md"] = _cited_as_markdown(generic.parts)
        parts = with_recipient_values(cited, shared.recipient_values)
    layout = _MarkdownLayout(
        f"\n\n{format_date(shared.date)}\n\n{recipient}\n\n",
        parts,
        _markdown_references(shared.references),
    )
    shared.layouts["md"] = layout
    return layout


def _cited_as_markdown(parts: tuple[str | int, ...]) -> tuple[str | int, ...]:
    return tuple(p if isinstance(p, int) else CITATION.sub(r"[\1]", p) for p in parts)


@functools.lru_cache(maxsize=64)
def _markdown_references(references: tuple[Reference, ...]) -> str:
    if not references:
        return ""
    text = "\n## References\n\n"
    for reference in references:
        who_title, dates, url = reference_text(reference)
        link = f"<{reference.fact.source.url}>" if reference.fact.source.url else url
        text += f"{reference.number}. {markdown_escape(who_title)}, {dates}. {link}\n"
    return text


# --- HTML --------------------------------------------------------------------------------


@functools.cache
def _html_page() -> Template:
    """The page layout, compiled once (a batch of HTML letters uses it thousands of times)."""
    from importlib.resources import files

    from jinja2 import Environment

    page = (files("actkit") / "formats" / "letter.html.j2").read_text(encoding="utf-8")
    return Environment(autoescape=True, keep_trailing_newline=True).from_string(page)


def to_html(letter: Letter) -> str:
    body = CITATION.sub(
        lambda m: f'<sup class="cite"><a href="#ref-{m.group(1)}">[{m.group(1)}]</a></sup>',
        _markdown().render(letter.body),
    )
    return _html_page().render(
        csp=Markup(CONTENT_SECURITY_POLICY),  # a constant, with quotes as written
        letter=letter,
        body=Markup(body),  # markdown-it escaped all text
        references=[(r.number, *reference_text(r), r.fact.source.url) for r in letter.references],
    )


# --- Email ----------------------------------------------------------------------------


def to_eml(letter: Letter) -> bytes:
    """An RFC 5322 draft To the MP, From the sender; no user value can add a header."""
    from email.message import EmailMessage  # the email package: only for .eml
    from email.policy import SMTP, SMTPUTF8
    from email.utils import format_datetime

    if not letter.mp.email:
        raise NoAnswer(
            f"{letter.mp.full_title} has no email address listed, so an .eml cannot be made: "
            "print the letter instead (--format html, txt or docx) and post it"
        )
    if not letter.sender.email:
        raise InvalidInput(
            "an .eml needs your email address: give --email or save it with "
            "`actkit config set email YOU@EXAMPLE.ORG`"
        )
    recipient = _mailbox(letter.mp.full_title, letter.mp.email, whose="the MP's")
    sender = _mailbox(letter.sender.name, letter.sender.email, whose="your")
    # An address with a non-ASCII part before the @ needs SMTPUTF8 (RFC 6531) mail; any
    # other message stays 7-bit (names as RFC 2047 encoded words), which every client reads.
    international = any(
        address.username != address.username.encode("ascii", "ignore").decode()
        for address in (recipient, sender)
    )
    message = EmailMessage(policy=SMTPUTF8 if international else SMTP)
    message["To"] = recipient
    message["From"] = sender
    message["Subject"] = shortened(letter.subject, MAX_HEADER_TEXT)
    message["Date"] = format_datetime(datetime.combine(letter.date, time(9, 0), timezone.utc))
    message["X-Unsent"] = "1"  # mail clients open it as a draft ready to send
    message.set_content(text_safe(_email_body(letter)), charset="utf-8")
    return message.as_bytes()


def email_text(letter: Letter) -> str:
    """The letter as the plain-text body of an email: body, address, references."""
    return text_safe(_email_body(letter))


def _mailbox(name: str, address: str, *, whose: str) -> Address:
    """One mailbox, checked: a name or an address (even one from a web service) can add
    neither a header nor a second recipient."""
    from email.headerregistry import Address

    from actkit.emails import parse_email

    try:
        checked = parse_email(address, what=f"{whose} email address")
    except InvalidEmail as problem:
        if whose == "your":
            raise
        raise NoAnswer(
            f"{problem}: print the letter instead (--format html, txt or docx)"
        ) from None
    domain = checked.domain if checked.needs_smtputf8 else checked.ascii_domain
    return Address(
        display_name=shortened(name, MAX_HEADER_TEXT),
        username=checked.local_part,
        domain=domain,
    )


def _email_body(letter: Letter) -> str:
    # The template signs off with the name; the address goes straight under it.
    address = "\n".join(letter.sender.postal_lines)
    return f"{_text_body(letter)}\n{address}{_text_references(letter)}"


# --- Word -------------------------------------------------------------------------------


def to_docx(letter: Letter) -> bytes:
    from actkit.formats.docx import to_docx as build

    return build(letter)


def infer_format(explicit: str | None, output_name: str | None) -> Format:
    """The format to write: ``--format``, else the ``--output`` file's extension, else txt.

    An extension that contradicts ``--format``, or one actkit cannot write (``.odt``), is
    refused: a file whose name says one thing and holds another helps no one. ``-`` (stdout)
    and names without an extension take ``--format`` (or txt).
    """
    if explicit is not None and explicit not in FORMATS:
        raise InvalidInput(f"unknown format {explicit!r}; choose one of {', '.join(FORMATS)}")
    suffix = _extension(output_name)
    if suffix is None:
        return explicit or "txt"
    from_name = EXTENSIONS.get(suffix)
    if from_name is None:
        raise InvalidInput(
            f"actkit cannot write {suffix} files; name the output with one of "
            f"{', '.join(EXTENSIONS)} (or give --format with a name without an extension)"
        )
    if explicit is not None and explicit != from_name:
        raise InvalidInput(
            f"--format {explicit} contradicts --output {output_name} ({suffix} is {from_name}): "
            "change one of them"
        )
    return from_name


_EXTENSION = re.compile(r"\.[a-z][a-z0-9]{0,7}$")


def _extension(output_name: str | None) -> str | None:
    """ ".docx" for "Letter.DOCX"; None for stdout ("-") and names without an extension."""
    if not output_name or output_name == "-":
        return None
    found = _EXTENSION.search(output_name.lower())
    return found.group() if found else None


__all__ = ["BINARY_FORMATS", "FORMATS", "Format", "email_text", "infer_format", "render"]
