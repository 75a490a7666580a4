"""Every body actkit knows, and the recipient groups of ``letter write/batch --to``.

A new body is a module with a ``BodyAdapter`` class, added to ``adapters()`` (and its id to
``actkit.bodies.BODY_IDS``); a new recipient group is one line in ``RECIPIENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actkit.bodies.model import BodyAdapter


def adapters() -> tuple[type[BodyAdapter], ...]:
    """Every body's adapter, in ``BODY_IDS`` order.

    Imported when a lookup needs them, not with the recipient groups: checking ``--to`` or
    a template's ``bodies:`` (every ``letter write``) needs no adapter.
    """
    from actkit.bodies.commons import Commons
    from actkit.bodies.ni_assembly import NIAssembly
    from actkit.bodies.scottish_parliament import ScottishParliament
    from actkit.bodies.senedd import Senedd

    return (Commons, ScottishParliament, Senedd, NIAssembly)


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
