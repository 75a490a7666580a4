"""What each output format can hold, cleaned in one place.

Every format accepts any text a user or a template supplies: text formats replace what
cannot be encoded, .docx drops what XML cannot hold, mail headers and document properties
are cut to a length their readers handle. The writers call these; nothing else cleans text
for a format.
"""

from __future__ import annotations

import re

from actkit.text import one_line

# XML 1.0 cannot hold most C0 controls, U+FFFE, U+FFFF or unpaired surrogates (the last
# come from undecodable bytes); a pasted page break (U+000C) is one of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_HEADER_TEXT = 200
"""Characters of a name or subject in a mail header or document property; longer text is
cut with an ellipsis (folding a header of thousands of non-ASCII characters is slow, and
nobody reads past this)."""
MAX_DOCX_PROPERTY = 255
"""Word's limit for a document property (title, author)."""


def text_safe(text: str) -> str:
    """For text, Markdown and HTML: no unpaired surrogates (they cannot be encoded)."""
    try:
        text.encode("utf-8")  # in C, several times faster than searching for them
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def xml_safe(text: str) -> str:
    """For .docx: drop characters XML 1.0 cannot hold (a page break becomes a space)."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub(lambda m: " " if m.group() == "\x0c" else "", text)


def shortened(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut with an ellipsis."""
    line = one_line(text_safe(text))
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "\u2026"
