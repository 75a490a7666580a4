"""Sending one letter through the user's own email account (SMTP).

One message per call, to one representative, from the user, with a copy to the user as
an extra envelope recipient of the same SMTP transaction (no second message, no ``Bcc:``
header). The password is passed in by the caller (from ``ACTKIT_SMTP_PASSWORD`` or a
hidden prompt) and is never stored, logged or printed. Every failure is an
``ActkitError``: a server that cannot be reached exits 3, wrong settings exit 2, a refused
recipient exits 1; nothing is reported sent unless the server accepted the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from actkit.errors import ActkitError, ExitCode, InvalidInput, NoAnswer
from actkit.text import one_line

if TYPE_CHECKING:
    import smtplib

    from actkit.letters import Letter

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
PASSWORD_ENV = "ACTKIT_SMTP_PASSWORD"
TIMEOUT = 30.0
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

# Headers a message read from an .eml may keep; anything else (Bcc, Received, X-Unsent,
# a mail client's tracking headers) is dropped before sending.
_KEPT_HEADERS = {
    "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
    "content-transfer-encoding", "content-disposition", "in-reply-to", "references",
}  # fmt: skip


class ServerUnreachable(ActkitError):
    """The SMTP server could not be reached (or stopped answering)."""

    exit_code = ExitCode.UNAVAILABLE


class BadSettings(InvalidInput):
    """The SMTP settings or the password are wrong."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    user: str | None = None

    @classmethod
    def from_config(cls, saved: dict[str, Any]) -> SmtpSettings:
        host = str(saved.get("smtp.host") or "")
        if not host:
            raise BadSettings(
                "no SMTP server: save your email provider's settings first, e.g. "
                "`actkit config set smtp.host smtp.example.org` and `actkit config set "
                "smtp.user you@example.org` (see the README)"
            )
        security: Security = saved.get("smtp.security", "starttls")
        if security == "none" and host not in LOCAL_HOSTS:
            raise BadSettings(
                f"smtp.security is 'none' but smtp.host is {host!r}: an unencrypted "
                "connection is only for a relay on this machine (localhost); use starttls or ssl"
            )
        port = int(saved.get("smtp.port") or DEFAULT_PORTS[security])
        user = saved.get("smtp.user") or None
        return cls(host=host, port=port, security=security, user=user)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message ready to send, and who it goes to."""

    message: EmailMessage
    sender: str
    recipient: str
    letter: Letter | None = None

    @property
    def envelope_recipients(self) -> list[str]:
        """The representative, then the sender's own copy (same transaction)."""
        if self.sender.lower() == self.recipient.lower():
            return [self.recipient]
        return [self.recipient, self.sender]

    def preview(self, lines: int = 8) -> str:
        """To, From, Subject and the first lines of the body, for the confirmation."""
        body = self.message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        first = text.strip().splitlines()[:lines]
        return "\n".join(
            [
                f"To:      {self.message['To']}",
                f"From:    {self.message['From']}",
                f"Subject: {self.message['Subject']}",
                f"Copy to: {self.sender} (you)",
                "",
                *first,
                "...",
            ]
        )


def outgoing_letter(letter: Letter) -> Outgoing:
    """The letter as an email from the sender to their MP (the same text as the .eml)."""
    from actkit.formats.letters import to_eml

    message = _parse(to_eml(letter))
    del message["X-Unsent"]  # a draft marker: this one is sent
    return _finish(message, letter)


def outgoing_file(path: Path) -> Outgoing:
    """A message from an .eml written earlier (and perhaps edited in a mail client)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}") from None
    try:
        message = _parse(data)
    except Exception as error:  # the parser's errors have no common base
        raise InvalidInput(f"{path} is not an email message: {error}") from None
    for name in {key.lower() for key in message}:
        if name not in _KEPT_HEADERS:
            del message[name]
    return _finish(message, None, where=str(path))


def _parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.SMTP).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.SMTP makes EmailMessage objects
    return message


def _finish(message: EmailMessage, letter: Letter | None, where: str = "the letter") -> Outgoing:
    recipients = getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
    recipients = [(name, address) for name, address in recipients if address]
    if len(recipients) != 1:
        raise InvalidInput(
            f"{where} must be addressed to exactly one representative (To:), "
            f"not {len(recipients)}: actkit sends one letter to one person"
        )
    senders = [address for _, address in getaddresses(message.get_all("From", [])) if address]
    if len(senders) != 1:
        raise InvalidInput(f"{where} needs one From: address (yours)")
    for header in ("From", "To", "Subject"):
        value = message.get(header)
        if value is not None and value != one_line(str(value)):
            raise InvalidInput(f"{where}: the {header} header holds control characters")
    del message["Cc"]
    del message["Date"]
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    if message["Message-ID"] is None:
        message["Message-ID"] = make_msgid(domain=Address(addr_spec=senders[0]).domain)
    return Outgoing(message, senders[0], recipients[0][1], letter)


# --------------------------------------------------------------------------- sending


def send(outgoing: Outgoing, settings: SmtpSettings, password: str | None) -> bool:
    """Send in one SMTP transaction to the representative and the sender's copy.

    Returns only when the server accepted the message for the representative; the value
    says whether it accepted the sender's copy too.
    """
    import smtplib
    import ssl

    try:
        with _connect(settings) as server:
            if settings.user:
                if not password:
                    raise BadSettings(
                        f"smtp.user is set, so a password is needed: set {PASSWORD_ENV} "
                        "or run in a terminal to be asked for it"
                    )
                server.login(settings.user, password)
            copied = _transaction(server, outgoing, settings)
    except smtplib.SMTPAuthenticationError:
        raise BadSettings(
            f"{settings.host} refused the user name or password (smtp.user "
            f"{settings.user!r}); some providers need an app password"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise BadSettings(
            f"{settings.where} does not offer a login (SMTP AUTH) on this connection: check "
            "smtp.security and smtp.port, or unset smtp.user for a relay that needs no login"
        ) from None
    except smtplib.SMTPSenderRefused as error:
        raise BadSettings(
            f"{settings.host} refused the sender {error.sender!r}: {_said(error)}; send from "
            "the address of the account in smtp.user"
        ) from None
    except ssl.SSLError as error:
        raise BadSettings(
            f"TLS with {settings.where} failed ({error.reason or error}): check smtp.port "
            "and smtp.security (ssl is usually port 465, starttls port 587)"
        ) from None
    except smtplib.SMTPServerDisconnected as error:
        # smtplib turns a timeout while waiting for a reply into "disconnected"; the
        # timeout is still there as the exception's context.
        if isinstance(error.__context__, TimeoutError):
            raise ServerUnreachable(
                f"{settings.where} did not answer in time: nothing was sent"
            ) from None
        raise ServerUnreachable(
            f"{settings.where} closed the connection: nothing was sent"
        ) from None
    except smtplib.SMTPResponseException as error:
        raise NoAnswer(f"{settings.host} did not accept the message: {_said(error)}") from None
    except smtplib.SMTPException as error:
        raise NoAnswer(f"sending failed: {error}") from None
    except TimeoutError:
        raise ServerUnreachable(
            f"{settings.where} did not answer in time: nothing was sent"
        ) from None
    except OSError as error:
        raise ServerUnreachable(
            f"cannot reach the SMTP server {settings.where}: {error.strerror or error}"
        ) from None
    return copied


def _transaction(server: smtplib.SMTP, outgoing: Outgoing, settings: SmtpSettings) -> bool:
    """MAIL, RCPT for the representative then the copy, DATA: step by step, because
    smtplib's sendmail delivers to whoever was accepted, and a message that reaches only
    the sender's copy must not count as sent. Returns whether the copy was accepted."""
    import smtplib

    code, reply = server.mail(outgoing.sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, outgoing.sender)
    code, reply = server.rcpt(outgoing.recipient)
    if code not in (250, 251):
        server.rset()
        raise NoAnswer(
            f"{settings.host} refused the recipient {outgoing.recipient} ({code} "
            f"{reply.decode('utf-8', 'replace')}): nothing was sent"
        )
    copied = True
    if outgoing.sender.lower() != outgoing.recipient.lower():
        code, _ = server.rcpt(outgoing.sender)
        copied = code in (250, 251)
    code, reply = server.data(outgoing.message.as_bytes(policy=policy.SMTP))
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return copied


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    import smtplib
    import ssl

    context = ssl.create_default_context()
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
    server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        server.ehlo()
        if settings.security == "starttls":
            if not server.has_extn("starttls"):
                raise BadSettings(
                    f"{settings.where} does not offer STARTTLS: check smtp.port and "
                    "smtp.security (ssl for port 465)"
                )
            server.starttls(context=context)
            server.ehlo()
    except BaseException:
        server.close()
        raise
    return server


def _said(error: smtplib.SMTPResponseException | smtplib.SMTPException) -> str:
    text = getattr(error, "smtp_error", b"")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    code = getattr(error, "smtp_code", None)
    return f"{code} {one_line(str(text))}".strip() if code else one_line(str(error))


# --------------------------------------------------------------------------- letter log


def record_sent(outgoing: Outgoing, *, file: Path | None = None) -> str | None:
    """Record the letter as sent by email today in the letter log; say what was recorded.

    A letter written now is added to the log and marked sent; a ``--file`` send marks the
    logged letter written to that file. Returns a line for the user, or None when there is
    nothing to record (the log is off, or the file was not logged). The letter has gone:
    a log that cannot be written is reported, never raised.
    """
    import sqlite3
    from datetime import date

    from actkit import logbook

    if not logbook.enabled():
        return None
    try:
        with logbook.open_logbook() as log:
            if outgoing.letter is not None:
                content = outgoing.message.as_bytes()
                record = logbook.new_letter(
                    outgoing.letter, fmt="eml", content=content, file=None, campaign=None
                )
                letter_id = log.add(record)
            else:
                found = log.by_file(file) if file is not None else None
                if found is None:
                    return None
                letter_id = found.id
            log.mark_sent(letter_id, on=date.today(), via="email")
    except (ActkitError, sqlite3.Error) as error:
        return f"Warning: the letter was sent but not logged: {error}"
    return f"Logged as {logbook.label(letter_id)}, marked sent by email today."
