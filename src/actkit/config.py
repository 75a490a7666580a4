"""Saved settings: the sender's details (so they are typed once) and preferences.

Stored as TOML in ``config.toml`` under ``ACTKIT_HOME`` (or the platform's config folder).
The sender's details never leave the machine; batch runs ignore them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from actkit.errors import InvalidInput
from actkit.fileio import atomic_write
from actkit.paths import config_file
from actkit.postcodes import normalise_postcode
from actkit.text import one_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

EMAIL = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+")


def check_email(value: str) -> str:
    cleaned = one_line(value)
    if not EMAIL.fullmatch(cleaned):
        raise InvalidInput(f"{cleaned!r} does not look like an email address")
    return cleaned


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a whole number of days") from None
    if number <= 0:
        raise InvalidInput("max_fact_age_days must be more than 0")
    return number


def _on_off(value: str) -> str:
    cleaned = value.strip().lower()
    if cleaned not in ("on", "off"):
        raise InvalidInput(f"{value!r}: say on or off")
    return cleaned


def _text(value: str) -> str:
    cleaned = one_line(value)
    if not cleaned:
        raise InvalidInput("the value is empty")
    return cleaned


# --- SMTP settings for `letter send` (issue 12); the password is never stored ---
SMTP_SECURITIES = ("starttls", "ssl", "none")


def _smtp_host(value: str) -> str:
    host = one_line(value)
    if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", host):
        raise InvalidInput(f"{value!r} is not a server name like smtp.example.org")
    return host


def _smtp_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise InvalidInput(f"{port} is not a port number (1 to 65535)")
    return port


def _smtp_security(value: str) -> str:
    cleaned = one_line(value).lower()
    if cleaned not in SMTP_SECURITIES:
        raise InvalidInput(f"smtp.security must be one of {', '.join(SMTP_SECURITIES)}")
    return cleaned


_SMTP_KEYS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "smtp.host": ("your email provider's SMTP server, for `letter send`", _smtp_host),
    "smtp.port": ("its port [default: 587 for starttls, 465 for ssl, 25 for none]", _smtp_port),
    "smtp.user": ("the user name to log in with (usually your email address)", _text),
    "smtp.security": ("starttls (default), ssl, or none (a relay on this machine only)",
                      _smtp_security),
}  # fmt: skip
# --- end SMTP settings ---

KEYS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "name": ("your name, as it should appear on letters", _text),
    "address": ("your postal address, lines separated by commas", _text),
    "postcode": ("your postcode (letters are addressed to its MP)", normalise_postcode),
    "email": ("your email address (needed for .eml drafts)", check_email),
    "max_fact_age_days": (
        "warn about facts older than this many days (default 730)",
        _positive_int,
    ),
    "log": ("on or off: keep a local log of the letters you write (default on)", _on_off),
    **_SMTP_KEYS,
}


def load() -> dict[str, Any]:
    path = config_file()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
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
    data = load()
    data[key] = parse(value)
    _save(data)
    return data[key]


def unset(key: str) -> bool:
    _parser(key)
    data = load()
    removed = data.pop(key, None) is not None
    _save(data)
    return removed


def _parser(key: str) -> Callable[[str], Any]:
    if key not in KEYS:
        raise InvalidInput(f"unknown setting {key!r}; settings are: {', '.join(KEYS)}")
    return KEYS[key][1]


def _save(data: dict[str, Any]) -> None:
    import tomli_w

    atomic_write(config_file(), tomli_w.dumps(_nest(data)), force=True)
