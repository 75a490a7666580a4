"""Errors that end a command with a message for people and a documented exit code.

Library code raises these; the CLI prints ``Error: <message>`` on one line of stderr and
exits with ``exit_code``. Anything that is not an ``ActkitError`` is a bug.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """Exit codes, documented in the README and in ``actkit --help``."""

    OK = 0
    NO_ANSWER = 1
    """Valid input but no answer (unknown postcode, no MP, a batch with failed rows)."""
    INVALID_INPUT = 2
    """Invalid input or usage (malformed postcode, broken template, existing file)."""
    UNAVAILABLE = 3
    """The services could not be reached and no offline answer exists."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C or SIGTERM."""


class ActkitError(Exception):
    """Base class: an expected failure with a message written for the user."""

    exit_code: ExitCode = ExitCode.NO_ANSWER
    reason: ClassVar[str] = ""
    """A short code for summaries ("unknown postcode"): counted, never parsed from messages."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(ActkitError):
    """The user's input (a flag, a file, a template) cannot be used as given."""

    exit_code = ExitCode.INVALID_INPUT


class InvalidPostcode(InvalidInput):
    """Not shaped like a UK postcode."""

    reason = "malformed postcode"


class OutputExists(InvalidInput):
    """Refusing to overwrite an existing file without --force."""


class TemplateProblem(InvalidInput):
    """A letter template cannot be found, parsed or rendered."""

    reason = "template error"


class FactsProblem(InvalidInput):
    """A facts file is broken, or a template uses a fact it may not."""

    reason = "template error"


class EmptyLetter(InvalidInput):
    """A letter with nothing to say: greeting and sign-off only (no personal words)."""

    reason = "empty letter"


class InvalidEmail(InvalidInput):
    """An email address that is not valid, or that a draft format cannot carry."""

    reason = "invalid email"


class TemplateLimit(TemplateProblem):
    """A template asked for more output, or more time, than a letter can need."""

    reason = "template limit"


class NoAnswer(ActkitError):
    """Valid input, but there is no answer to give."""

    exit_code = ExitCode.NO_ANSWER


class PostcodeNotFound(NoAnswer):
    """A well-formed postcode that does not exist."""

    reason = "unknown postcode"
    """A stable code for reports and manifests: match this, never the message."""


class NoSuchDistrict(PostcodeNotFound):
    """Offline: no GB postcode district has this outward code ("AB1", "ZZ9")."""

    reason = "no such district"


class NotInOfflineList(PostcodeNotFound):
    """Offline: a real district, but the postcode is not in the offline list of postcodes."""

    reason = "not in offline postcode list"


class NotInUK(NoAnswer):
    """A postcode outside the UK's four nations (Channel Islands, Isle of Man)."""

    reason = "not in the UK"


class PostcodeTerminated(PostcodeNotFound):
    """A postcode that was in use once and has been terminated."""


class NoRepresentative(NoAnswer):
    """A real postcode with no MP to write to (Crown Dependencies, vacant seats)."""

    reason = "no MP"


class NoWestminsterMP(NoRepresentative):
    """The Channel Islands and the Isle of Man: real postcodes, but no seat at Westminster."""

    reason = "no Westminster MP"

    def __init__(self, message: str, *, country: str) -> None:
        super().__init__(message)
        self.country = country


class VacantSeat(NoRepresentative):
    """The constituency has no MP until a by-election fills the seat."""

    def __init__(self, message: str, *, constituency: str) -> None:
        super().__init__(message)
        self.constituency = constituency


class ServiceUnavailable(ActkitError):
    """A web service could not be reached or gave an unusable answer."""

    exit_code = ExitCode.UNAVAILABLE

    def __init__(self, service: str, problem: str) -> None:
        super().__init__(f"{service} is unavailable: {problem}")
        self.service = service
        self.problem = problem


class OfflineUnavailable(ActkitError):
    """Offline data has no answer and the services were not (or could not be) asked."""

    exit_code = ExitCode.UNAVAILABLE
