"""The YAML documents shipped with actkit, parsed once when the wheel is built.

Facts files, checklists and the front matter of letter templates are YAML. Loading the
YAML parser and parsing them is a large part of the start-up of ``letter write``, ``event
kinds`` and ``facts list``, yet shipped files never change after the build. So the wheel
build (``hatch_build.py``) runs ``python -m actkit.precompile FOLDER`` and ships the
results beside ``actkit.yamldoc``, which answers a document from them only when the text
is exactly the one parsed; any other text (a campaign's files, an organiser's checklist, a source
checkout with no table) is parsed at run time as before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from actkit.yamldoc import precompile

__all__ = ["builtin_documents", "main"]


def builtin_documents() -> Iterator[tuple[str, int]]:
    """(text, first line) of every YAML document actkit ships, read as its loader reads it."""
    from actkit import events, facts, templates
    from actkit.fileio import read_text

    for _label, text in facts.builtin_fact_files():
        yield text, 1
    for text in events.builtin_files().values():
        yield text, 1
    for name, (path, _origin) in templates.template_paths(None).items():
        front, _body, _line = templates.split_front_matter(read_text(path, "template"), name)
        yield front, templates.FRONT_MATTER_FIRST_LINE


def main(argv: list[str] | None = None) -> None:
    """Store the parsed documents in the folder named on the command line."""
    (out,) = sys.argv[1:] if argv is None else argv
    stored = precompile(builtin_documents(), Path(out))
    print(f"{stored} built-in YAML documents parsed into {out}")


if __name__ == "__main__":
    main()
