"""Every body actkit knows, and the recipient groups of ``letter write/batch --to``.

A new body is a module with a ``BodyAdapter`` class, added to ``ADAPTERS`` (and its id to
``actkit.bodies.BODY_IDS``); a new recipient group is one line in ``RECIPIENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from actkit.bodies.commons import Commons
from actkit.bodies.model import BodyAdapter
from actkit.bodies.ni_assembly import NIAssembly
from actkit.bodies.scottish_parliament import ScottishParliament
from actkit.bodies.senedd import Senedd

ADAPTERS: tuple[type[BodyAdapter], ...] = (Commons, ScottishParliament, Senedd, NIAssembly)


@dataclass(frozen=True, slots=True)
class RecipientGroup:
    """Who ``--to WHO`` writes to."""

    id: str
    body_id: str | None
    """The one body it picks from; None for every body of the postcode's nation."""
    roles: tuple[str, ...] | None
    """The roles it keeps; None for every role of the body."""
    description: str


RECIPIENTS: dict[str, RecipientGroup] = {
    group.id: group
    for group in (
        RecipientGroup("mp", "commons", None, "your MP (the default)"),
        RecipientGroup(
            "msp", "scottish-parliament", ("constituency MSP",), "your constituency MSP"
        ),
        RecipientGroup(
            "regional-msps", "scottish-parliament", ("regional MSP",), "your 7 regional MSPs"
        ),
        RecipientGroup("all-msps", "scottish-parliament", None, "all 8 of your MSPs"),
        RecipientGroup("ms", "senedd", None, "the 6 Members of the Senedd for your constituency"),
        RecipientGroup("mla", "ni-assembly", None, "your 5 MLAs"),
        RecipientGroup("all", None, None, "every representative of your postcode"),
    )
}
