"""Legislatures whose members actkit can find and write to, one adapter module each.

This package's ``__init__`` holds only the ids (light, so template checks can use them);
``model`` has the one representative model, ``registry`` the adapters and the ``--to``
recipient groups, ``lookup`` puts them together for a postcode. Adding a body (say a
council's councillors) is one adapter module plus its entry in ``registry``.
"""

from __future__ import annotations

BODY_IDS: tuple[str, ...] = ("commons", "scottish-parliament", "senedd", "ni-assembly")
"""The ids of ``lookup --body``, of the JSON ``body`` key and of template ``bodies:``."""

BODY_NAMES: dict[str, str] = {
    "commons": "House of Commons",
    "scottish-parliament": "Scottish Parliament",
    "senedd": "Senedd",
    "ni-assembly": "NI Assembly",
}
