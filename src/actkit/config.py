"""Saved settings: the sender's details (so they are typed once) and preferences.

Stored as TOML in ``config.toml`` under ``ACTKIT_HOME`` (or the platform's config folder).
The sender's details never leave the machine; batch runs ignore them. Every value is
checked when it is saved and again when the file is read, so a hand-edited file cannot
put a wrong value into a letter.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import Any

from actkit.emails import check_email
from actkit.errors import InvalidInput
from actkit.fileio import atomic_write
from actkit.paths import config_file
from actkit.text import one_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_FACT_AGE_DAYS_LIMIT = 36_500
"""A century: beyond it date arithmetic overflows, and no fact is that fresh anyway."""


def _whole_number(value: object, what: str) -> int:
    """A whole number from ``config set`` (text) or a hand-edited file (any TOML value)."""
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInput(f"{value!r} is not a whole number{what}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{value} is not a whole number{what}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{value!r} is not a whole number{what}")
    return value


def _positive_int(value: object) -> int:
    days = _whole_number(value, " of days")
    if not 1 <= days <= MAX_FACT_AGE_DAYS_LIMIT:
        raise InvalidInput(
            f"max_fact_age_days must be between 1 and {MAX_FACT_AGE_DAYS_LIMIT:,} (got {days:,})"
        )
    return days


def _on_off(value: object) -> str:
    cleaned = _text(value).lower()
    if cleaned not in ("on", "off"):
        raise InvalidInput(f"{value!r}: say on or off")
    return cleaned


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{value!r} is not text")
    cleaned = one_line(value)
    if not cleaned:
        raise InvalidInput("the value is empty")
    return cleaned


def _postcode(value: object) -> str:
    from actkit.postcodes import normalise_postcode  # with the offline tables

    return normalise_postcode(_text(value))


# --- SMTP settings for `letter send` (issue 12); the password is never stored ---
SMTP_SECURITIES = ("starttls", "ssl", "none")


def _smtp_host(value: object) -> str:
    host = _text(value)
    if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", host):
        raise InvalidInput(f"{value!r} is not a server name like smtp.example.org")
    return host


def _smtp_port(value: object) -> int:
    port = _whole_number(value, " (a port number)")
    if not 0 < port < 65536:
        raise InvalidInput(f"{port} is not a port number (1 to 65535)")
    return port


def _smtp_security(value: object) -> str:
    cleaned = _text(value).lower()
    if cleaned not in SMTP_SECURITIES:
        raise InvalidInput(f"smtp.security must be one of {', '.join(SMTP_SECURITIES)}")
    return cleaned


_SMTP_KEYS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "smtp.host": ("your email provider's SMTP server, for `letter send`", _smtp_host),
    "smtp.port": ("its port [default: 587 for starttls, 465 for ssl, 25 for none]", _smtp_port),
    "smtp.user": ("the user name to log in with (usually your email address)", _text),
    "smtp.security": ("starttls (default), ssl, or none (a relay on this machine only)",
                      _smtp_security),
}  # fmt: skip
# --- end SMTP settings ---

KEYS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "name": ("your name, as it should appear on letters", _text),
    "address": ("your postal address, lines separated by commas", _text),
    "postcode": ("your postcode (letters are addressed to its MP)", _postcode),
    "email": ("your email address (needed for .eml drafts)", check_email),
    "max_fact_age_days": (
        "warn about facts older than this many days (default 730)",
        _positive_int,
    ),
    "log": ("on or off: keep a local log of the letters you write (default on)", _on_off),
    **_SMTP_KEYS,
}


def load() -> dict[str, Any]:
    """The saved settings, each checked as ``config set`` checks it.

    A hand-edited file with a bad value (``inf``, ``nan``, ``"abc"`` days, ``email = 5``)
    is refused naming the file, the setting and how to fix it: a wrong sender address
    must never reach a letter quietly.
    """
    path = config_file()
    checked, problems = {}, []
    for key, value in _load_raw().items():
        try:
            checked[key] = KEYS[key][1](value)
        except InvalidInput as problem:
            problems.append(
                f"{path}: {key}: {problem}; fix it with `actkit config set {key} ...` "
                f"or `actkit config unset {key}`"
            )
    if problems:
        raise InvalidInput("\n".join(problems))
    return checked


def max_fact_age_days(flag: int | None = None, saved: dict[str, Any] | None = None) -> int:
    """``--max-fact-age``, else the saved ``max_fact_age_days``, else the library's default.

    One rule for every command that writes letters (and the stall).
    """
    from actkit.letters import DEFAULT_MAX_FACT_AGE_DAYS

    if flag is not None:
        return flag
    settings = load() if saved is None else saved
    return int(settings.get("max_fact_age_days", DEFAULT_MAX_FACT_AGE_DAYS))


def _load_raw() -> dict[str, Any]:
    """The file's known settings, unchecked (so set and unset can repair a bad one)."""
    path = config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: cannot read the config file: it is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path}: cannot read the config file: {error}") from None
    return {key: value for key, value in _flatten(data).items() if key in KEYS}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``[smtp] host = ...`` in the file is the setting ``smtp.host``."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _nest(data: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in data.items():
        table, _, name = key.rpartition(".")
        (nested.setdefault(table, {}) if table else nested)[name] = value
    return nested


def set_value(key: str, value: str) -> Any:
    parse = _parser(key)
    data = _load_raw()
    data[key] = parse(value)
    _save(data)
    return data[key]


def unset(key: str) -> bool:
    _parser(key)
    data = _load_raw()
    removed = data.pop(key, None) is not None
    _save(data)
    return removed


def _parser(key: str) -> Callable[[object], Any]:
    if key not in KEYS:
        raise InvalidInput(f"unknown setting {key!r}; settings are: {', '.join(KEYS)}")
    return KEYS[key][1]


def _save(data: dict[str, Any]) -> None:
    import tomli_w

    atomic_write(config_file(), tomli_w.dumps(_nest(data)), force=True)
