"""The four UK nations: one home for their ids, names and codes.

Every module that needs a nation (offline lookups, event law, bank holidays, representatives)
reads it from here, so that a nation's id, its display name, the letter its GSS codes start
with and its bank-holiday subdivision are written down once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NATIONS", "Nation", "by_gss_code", "by_id", "by_name"]


@dataclass(frozen=True)
class Nation:
    id: str
    """The id used on the command line and in data files (``northern-ireland``)."""
    name: str
    """How people write it (``Northern Ireland``); also postcodes.io's ``country``."""
    gss_letter: str
    """The first letter of its GSS codes (``E14…`` for an English constituency)."""
    holiday_subdivision: str
    """Its subdivision in the ``holidays`` package (ISO 3166-2:GB style)."""


NATIONS: tuple[Nation, ...] = (
    Nation("england", "England", "E", "ENG"),
    Nation("wales", "Wales", "W", "WLS"),
    Nation("scotland", "Scotland", "S", "SCT"),
    Nation("northern-ireland", "Northern Ireland", "N", "NIR"),
)

_BY_ID = {nation.id: nation for nation in NATIONS}
_BY_NAME = {nation.name.casefold(): nation for nation in NATIONS}
_BY_GSS_LETTER = {nation.gss_letter: nation for nation in NATIONS}


def by_id(nation_id: str) -> Nation:
    """The nation with this id; ``KeyError`` for anything else."""
    return _BY_ID[nation_id]


def by_name(name: str) -> Nation | None:
    """The nation with this display name, in any case; None for anything else."""
    return _BY_NAME.get(name.strip().casefold())


def by_gss_code(code: str) -> Nation | None:
    """The nation a GSS code belongs to (``S14000027`` → Scotland); None if unknown."""
    return _BY_GSS_LETTER.get(code[:1].upper())
