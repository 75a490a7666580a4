"""The sender of a letter and their own words, as ``letter write``, ``letter send`` and
``chase --write`` take them: from the options, else the saved config, else a prompt."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actkit.cli._common import info

if TYPE_CHECKING:
    from actkit.letters import Sender


def sender_from(
    saved: dict[str, Any],
    *,
    name: str | None,
    address: str | None,
    postcode: str | None,
    email: str | None,
) -> Sender:
    """The sender from the options, each missing one from ``saved``; checked."""
    from actkit.emails import check_email
    from actkit.errors import InvalidInput
    from actkit.letters import Sender
    from actkit.postcodes import normalise_postcode
    from actkit.text import address_lines, one_line

    values = {
        "name": name or saved.get("name"),
        "address": address or saved.get("address"),
        "postcode": postcode or saved.get("postcode"),
    }
    for key, value in values.items():
        if not value or not one_line(str(value)):
            raise InvalidInput(f"give --{key}, or save it once with `actkit config set {key} ...`")
    chosen_email = email or saved.get("email")
    return Sender(
        name=one_line(str(values["name"])),
        address=address_lines(str(values["address"])),
        postcode=normalise_postcode(str(values["postcode"])),
        email=check_email(chosen_email) if chosen_email else None,
    )


def personal_words(personal: str | None, personal_file: Path | None) -> str | None:
    """The personal words from the options; None when they are still to be asked for."""
    from actkit.errors import InvalidInput

    if personal is not None and personal_file is not None:
        raise InvalidInput("give --personal or --personal-file, not both")
    if personal is not None:
        return personal
    if personal_file is not None:
        if str(personal_file) == "-":
            return sys.stdin.read()
        from actkit.fileio import read_text

        return read_text(personal_file, "personal paragraph")
    return None if stdin_is_terminal() else ""


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def ask_for_personal_words() -> str:
    info(
        "Add a few sentences in your own words: why this matters to you. "
        "Finish with an empty line (or just press Enter to skip)."
    )
    lines = []
    for line in sys.stdin:
        if not line.strip():
            break
        lines.append(line.rstrip("\n"))
    return "\n".join(lines)


def max_fact_age_days(flag: int | None, saved: dict[str, Any] | None) -> int:
    """``--max-fact-age``, else the saved setting, else the default (``config``)."""
    from actkit import config

    return config.max_fact_age_days(flag, saved)
