"""Where actkit keeps its cache, config and data.

``ACTKIT_HOME`` wins; otherwise the platform's user directories (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

APP_NAME = "actkit"
HOME_ENV = "ACTKIT_HOME"
_PACKAGE = Path(__file__).parent


def package_path(*parts: str) -> Traversable:
    """A file or folder shipped inside actkit.

    A plain path in every normal install; importlib.resources (which with the zip reader
    it loads costs a command several milliseconds to start) only for a package imported
    from a zip.
    """
    if _PACKAGE.is_dir():
        return _PACKAGE.joinpath(*parts)
    from importlib.resources import files

    return files("actkit").joinpath(*parts)


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Directory for the HTTP cache (created on demand by the caller)."""
    home = _home_override()
    if home is not None:
        return home / "cache"
    import platformdirs  # deferred: only commands that cache need it

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Directory holding ``config.toml``."""
    home = _home_override()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Directory for data actkit keeps for the user (the stall's supporters list, the
    letter log)."""
    home = _home_override()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def log_file() -> Path:
    """The letter log: a SQLite database that never leaves the machine."""
    return data_dir() / "log.db"
