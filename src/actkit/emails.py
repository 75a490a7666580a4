"""Email addresses: one check for every place a user gives one.

Syntax only (``check_deliverability=False``): checking that a domain receives mail would
mean a DNS lookup, and nothing but a postcode leaves the machine. Reserved documentation
domains such as example.org are accepted, so examples and tests work as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from actkit.errors import InvalidEmail
from actkit.text import one_line

MAX_LENGTH = 254
"""RFC 5321's limit for a path; email-validator applies it too."""


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """A checked address, split so that a draft can write it in the header it needs."""

    address: str
    """Normalised (domain lower-cased, Unicode NFC), as the user should see it."""
    local_part: str
    domain: str
    """The domain as typed (Unicode); ``ascii_domain`` is its IDNA form."""
    ascii_domain: str
    needs_smtputf8: bool
    """True when the part before the @ is not ASCII: only SMTPUTF8 mail can carry it."""


def parse_email(value: object, *, what: str = "email address") -> EmailAddress:
    """Check ``value`` and return its parts, or raise ``InvalidEmail`` saying what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(value, str):
        raise InvalidEmail(f"the {what} must be text, not {type(value).__name__}")
    cleaned = one_line(value)
    if not cleaned:
        raise InvalidEmail(f"the {what} is empty")
    if len(cleaned) > MAX_LENGTH * 4:
        raise InvalidEmail(f"the {what} is too long ({len(cleaned):,} characters)")
    try:
        checked = validate_email(cleaned, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise InvalidEmail(f"{cleaned!r} is not a valid {what}: {error}") from None
    return EmailAddress(
        address=checked.normalized,
        local_part=checked.local_part,
        domain=checked.domain,
        ascii_domain=checked.ascii_domain,
        needs_smtputf8=checked.smtputf8,
    )


def check_email(value: object, *, what: str = "email address") -> str:
    """The normalised address, or ``InvalidEmail`` (exit 2; reason "invalid email").

    For ``config set email``, ``--email`` and each supporter row of a batch.
    """
    return parse_email(value, what=what).address
