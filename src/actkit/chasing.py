"""Chasing unanswered letters: when a reply is due, the follow-up's context, reminders.

A letter is due a chase on the N-th working day after it was sent (weekends and the bank
holidays of the sender's nation do not count; see ``actkit.workdays``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from actkit.errors import InvalidInput
from actkit.logbook import LoggedLetter, Recipient
from actkit.models import HOUSE_OF_COMMONS_ADDRESS, MP, Constituency, Office

DEFAULT_AFTER_WORKING_DAYS = 15
"""Three working weeks: WriteToThem asks after two weeks; offices aim to answer within 15
working days, and the chase comes once that has passed."""
FOLLOW_UP_TEMPLATE = "follow-up"


def check_can_chase(letter: LoggedLetter) -> None:
    """Refuse a follow-up to a letter not sent, already answered or already chased."""
    if letter.status == "drafted":
        raise InvalidInput(
            f"{letter.label} is not marked sent: run `actkit sent {letter.label} --on DATE` first"
        )
    if letter.status == "replied":
        raise InvalidInput(f"{letter.label} has had a reply: there is nothing to chase")
    if letter.status == "chased" and letter.chased_by is not None:
        raise InvalidInput(
            f"{letter.label} was already chased by L{letter.chased_by}: chase that one instead"
        )


def previous_context(letter: LoggedLetter) -> dict[str, Any]:
    """``previous`` in the follow-up template: the first letter's id, date and subject."""
    from actkit.letters import markdown_escape
    from actkit.text import format_date

    return {
        "previous": {
            "id": letter.label,
            "date": format_date(letter.date),
            "subject": markdown_escape(letter.subject),
        }
    }


def follow_up_path(letter: LoggedLetter, fmt: str | None = None) -> Path | None:
    """Beside the first letter, ``NAME-follow-up.EXT`` (EXT from ``fmt`` when given); None
    when the first letter went to stdout."""
    if not letter.file:
        return None
    first = Path(letter.file)
    suffix = f".{fmt}" if fmt else first.suffix
    return first.with_name(f"{first.stem}-follow-up{suffix}")


def recipient_mp(recipient: Recipient) -> tuple[MP, Constituency]:
    """The first letter's recipient, addressed as it was then."""
    seat = Constituency(recipient.constituency, recipient.gss_code)
    details = recipient.details
    if details:
        office = details.get("constituency_office")
        return (
            MP(
                name=details["name"],
                full_title=details["full_title"],
                address_as=details["address_as"],
                party=details.get("party") or "",
                member_id=details.get("member_id"),
                email=details.get("email"),
                phone=details.get("phone"),
                postal_address=tuple(details.get("postal_address") or ()),
                constituency_office=Office(
                    tuple(office.get("address") or ()), office.get("email"), office.get("phone")
                )
                if office
                else None,
            ),
            seat,
        )
    return _from_snapshot(recipient), seat


def _from_snapshot(recipient: Recipient) -> MP:
    """Batch letters keep only the MP's name: take the rest from the offline snapshot when
    it is the same MP, else address them plainly at the House of Commons."""
    from actkit import offline

    known = offline.mp_for(recipient.gss_code)
    if known is not None and known.name == recipient.name:
        return known
    commons = recipient.body == "commons"
    return MP(
        name=recipient.name,
        full_title=f"{recipient.name} MP" if commons else recipient.name,
        address_as=recipient.name,
        party=recipient.party or "",
        member_id=recipient.member_id,
        postal_address=HOUSE_OF_COMMONS_ADDRESS if commons else (),
    )


def chase_ics(letters: list[LoggedLetter], *, after: int, today: dt.date) -> str:
    """One all-day VEVENT per sent, unanswered letter on its chase date, each with a
    VALARM at 09:00 that day."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//actkit//letter chasing//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "actkit: letters to chase")
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.timezone.utc)
    for letter in letters:
        due = letter.chase_date(after)
        if due is None:
            continue
        calendar.add_component(_chase_event(letter, due, stamp))
    text: str = calendar.to_ical().decode("utf-8")
    return text


def _chase_event(letter: LoggedLetter, due: dt.date, stamp: dt.datetime) -> Any:
    import icalendar

    from actkit.text import format_date

    to = f"{letter.recipient.name} ({letter.recipient.constituency})"
    sent = format_date(letter.sent.on) if letter.sent else "?"
    event = icalendar.Event()
    event.add("uid", _uid(letter))
    event.add("dtstamp", stamp)
    event.add("summary", f"Chase {letter.label}: any reply from {letter.recipient.name}?")
    event.add("dtstart", due)
    event.add("dtend", due + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a reminder, not busy time
    event.add(
        "description",
        f'"{letter.subject}" to {to}, sent {sent}.\n'
        f"If they replied: actkit replied {letter.label} --on DATE --summary TEXT\n"
        f"If not: actkit chase {letter.label} writes the follow-up.",
    )
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Chase {letter.label}: {letter.subject}")
    alarm.add("trigger", dt.timedelta(hours=9))  # 09:00 on the day
    event.add_component(alarm)
    return event


def _uid(letter: LoggedLetter) -> str:
    """Stable for a letter and its sending, so a re-import updates rather than duplicates."""
    sent = letter.sent.on.isoformat() if letter.sent else ""
    seed = f"{letter.id}\x1f{letter.written.isoformat()}\x1f{sent}"
    return f"chase-{letter.label}-{hashlib.sha256(seed.encode()).hexdigest()[:16]}@actkit"
