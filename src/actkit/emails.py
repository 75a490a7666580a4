"""Email addresses: one check for every place a user gives one.

Syntax only (``check_deliverability=False``): checking that a domain receives mail would
mean a DNS lookup, and nothing but a postcode leaves the machine. Reserved documentation
domains such as example.org are accepted, so examples and tests work as written.
"""

from __future__ import annotations

import functools
import re
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
    common = _parse_common(cleaned)
    if common is not None:
        return common
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


# The shape of nearly every address a supporters' spreadsheet holds: lower-case ASCII
# letters, digits and ``. _ % + -`` before the @ (dots neither first, last nor doubled).
_COMMON_LOCAL_PART = re.compile(r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*")
_MAX_COMMON_LOCAL_PART = 64


def _parse_common(address: str) -> EmailAddress | None:
    """email-validator's answer for a common address, without running it on every row.

    A batch checks one address per supporter, and most share a few domains: the domain is
    checked by email-validator once (``_checked_domain``) and the part before the @ by a
    pattern that only matches what email-validator accepts unchanged. Anything else (upper
    case, which it may fold; quotes; non-ASCII; a long address) is left to email-validator
    whole. ``tests/test_emails.py`` checks the two agree.
    """
    local_part, at, domain = address.rpartition("@")
    if not at or len(local_part) > _MAX_COMMON_LOCAL_PART:
        return None
    if not _COMMON_LOCAL_PART.fullmatch(local_part):
        return None
    checked = _checked_domain(domain)
    if checked is None:
        return None
    unicode_domain, ascii_domain = checked
    normalised = f"{local_part}@{unicode_domain}"
    if address.isascii() and unicode_domain.isascii():  # one byte a character
        longest = max(len(address), len(normalised), len(local_part) + 1 + len(ascii_domain))
    else:
        forms = (address, normalised, f"{local_part}@{ascii_domain}")
        longest = max(len(form.encode("utf-8")) for form in forms)
    if longest > MAX_LENGTH:
        return None
    return EmailAddress(normalised, local_part, unicode_domain, ascii_domain, False)


@functools.lru_cache(maxsize=1024)
def _checked_domain(domain: str) -> tuple[str, str] | None:
    """(domain, its IDNA form) as email-validator normalises them, or None if it refuses."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None  # the full check gives the reason
    return checked.domain, checked.ascii_domain


def check_email(value: object, *, what: str = "email address") -> str:
    """The normalised address, or ``InvalidEmail`` (exit 2; reason "invalid email").

    For ``config set email``, ``--email`` and each supporter row of a batch.
    """
    return parse_email(value, what=what).address
