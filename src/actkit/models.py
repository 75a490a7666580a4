"""Plain data returned by the library: frozen, typed, and JSON-ready via ``to_json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Source = Literal["live", "offline"]

HOUSE_OF_COMMONS_ADDRESS: tuple[str, ...] = ("House of Commons", "London", "SW1A 0AA")
"""Every MP can be written to here; the Members API gives the same lines."""


@dataclass(frozen=True, slots=True)
class Constituency:
    name: str
    """Official name, e.g. "Norwich South"."""
    gss_code: str
    """ONS GSS code, e.g. "E14001409": stable where names vary in spelling."""


@dataclass(frozen=True, slots=True)
class Office:
    """A constituency office, where the Members API lists one."""

    address: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"address": list(self.address), "email": self.email, "phone": self.phone}


@dataclass(frozen=True, slots=True)
class MP:
    """A sitting Member of Parliament and how to reach them."""

    name: str
    """Name as the Members API displays it, e.g. "Sir Keir Starmer"."""
    full_title: str
    """Formal name for an address block, e.g. "Rt Hon Sir Keir Starmer MP"."""
    address_as: str
    """What follows "Dear" in a letter."""
    party: str
    member_id: int | None
    """UK Parliament Members API id (the same as MNIS)."""
    email: str | None = None
    phone: str | None = None
    postal_address: tuple[str, ...] = ()
    constituency_office: Office | None = None

    def to_json(self) -> dict[str, Any]:
        office = self.constituency_office
        return {
            "name": self.name,
            "full_title": self.full_title,
            "address_as": self.address_as,
            "party": self.party,
            "member_id": self.member_id,
            "email": self.email,
            "phone": self.phone,
            "postal_address": list(self.postal_address),
            "constituency_office": office.to_json() if office else None,
        }


@dataclass(frozen=True, slots=True)
class Place:
    """Where a postcode is: its country and (for UK postcodes) its constituency."""

    postcode: str
    """Normalised, e.g. "NR2 1AB"."""
    country: str
    """"England", "Wales", "Scotland", "Northern Ireland", "Channel Islands" or "Isle of Man"."""
    constituency: Constituency | None
    source: Source
    fallback_reason: str | None = None
    """Why the live service was not used, when it was asked and failed."""

    @property
    def warnings(self) -> tuple[str, ...]:
        if self.source == "live":
            return ()
        reason = (self.fallback_reason,) if self.fallback_reason else ()
        return (*reason, f"Answered from offline data: {OFFLINE_POSTCODE_LIMITS}")


OFFLINE_POSTCODE_LIMITS = (
    "postcodes are checked against the 2023 list, so one terminated since then would still "
    "get an answer"
)


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to "who is my MP?" for one postcode."""

    postcode: str
    country: str
    constituency: Constituency
    mp: MP
    source: Source
    """"live" when both web services answered, "offline" when any part came from the snapshot."""
    data_as_of: date | None
    """Date of the offline data used; None for a live answer."""
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "postcode": self.postcode,
            "country": self.country,
            "constituency": {
                "name": self.constituency.name,
                "gss_code": self.constituency.gss_code,
            },
            "mp": self.mp.to_json(),
            "source": self.source,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "warnings": list(self.warnings),
        }
