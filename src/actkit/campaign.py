"""``actkit init``: a new campaign folder with an example template and facts file."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from actkit.errors import InvalidInput
from actkit.fileio import atomic_write

EXAMPLE_FILES = ("letter_templates/example.md.j2", "facts/example.yaml")


def create_campaign(directory: Path, *, force: bool = False) -> list[Path]:
    """Write the example files into ``directory``; existing files are kept unless ``force``."""
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} exists and is not a folder")
    source = files("actkit") / "campaign_example"
    written = []
    for relative in EXAMPLE_FILES:
        target = directory / relative
        text = (source / relative).read_text(encoding="utf-8")
        atomic_write(target, text, force=force)
        written.append(target)
    return written
