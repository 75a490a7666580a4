"""actkit: an advocacy action toolkit.

Find a voter's MP by postcode, write them a letter whose every fact is cited, turn a
spreadsheet of supporters into one draft each, and plan a lawful protest.

The public library API is listed in ``__all__``. It is imported lazily so that
``actkit --help`` stays fast and does not load HTTP or templating libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; resolved on first attribute access (PEP 562).
_PUBLIC = {
    "ActkitError": "actkit.errors",
    "ExitCode": "actkit.errors",
    "normalise_postcode": "actkit.postcodes",
    "find_mp": "actkit.representatives",
    "find_representatives": "actkit.bodies.lookup",
    "Representative": "actkit.bodies.model",
    "Lookup": "actkit.models",
    "render_letter": "actkit.letters",
    "plan_event": "actkit.events",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'actkit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
