"""``actkit letter send`` against a real local SMTP server (aiosmtpd), with and without
STARTTLS and authentication: what the server received, what the user saw, what was kept."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.helpers import run

PASSWORD = "s3cret-Pa55word!"
USER = "alex@example.org"
MP_EMAIL = "clive.lewis.mp@parliament.uk"
LETTER = [
    "--template", "blank", "--postcode", "nr2 1ab", "--name", "Alex Example",
    "--address", "1 High Street, Norwich", "--email", USER, "--date", "2026-11-25",
    "--offline", "--personal", "Please support the motion.",
]  # fmt: skip


@dataclass
class Inbox:
    """What the server accepted: one entry per SMTP transaction."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == USER
        and data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    inbox: Inbox
    port: int


def _serve(
    tls: bool,
    auth: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    implicit_tls: bool = False,
) -> Iterator[Server]:
    inbox = Inbox()
    options: dict[str, Any] = {}
    if tls:
        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        context = _server_context(certificate)
        ca_file = tmp_path / "ca.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        if implicit_tls:
            options.update(ssl_context=context)
        else:
            options.update(tls_context=context, require_starttls=True)
    if auth:
        # aiosmtpd only counts STARTTLS as TLS; over implicit TLS it must be told.
        options.update(authenticator=_authenticate, auth_require_tls=tls and not implicit_tls)
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield Server(inbox, port)
    finally:
        controller.stop()


def _server_context(certificate: Any) -> Any:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return context


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    yield from _serve(True, True, tmp_path, monkeypatch)


@pytest.fixture
def ssl_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    yield from _serve(True, True, tmp_path, monkeypatch, implicit_tls=True)


@pytest.fixture
def plain_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    yield from _serve(False, False, tmp_path, monkeypatch)


def configure(port: int, security: str, user: str | None = USER, host: str = "127.0.0.1") -> None:
    assert run("config", "set", "smtp.host", host).exit_code == 0
    assert run("config", "set", "smtp.port", str(port)).exit_code == 0
    assert run("config", "set", "smtp.security", security).exit_code == 0
    if user:
        assert run("config", "set", "smtp.user", user).exit_code == 0


def parsed(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_sends_over_starttls_with_login_and_a_copy_to_the_sender(
    tls_server: Server, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    configure(tls_server.port, "starttls")
    monkeypatch.setenv("ACTKIT_SMTP_PASSWORD", PASSWORD)

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 0, result.stderr
    assert len(tls_server.inbox.received) == 1  # one transaction, not a second message
    mail_from, recipients, raw = tls_server.inbox.received[0]
    assert mail_from == USER
    assert recipients == [MP_EMAIL, USER]
    message = parsed(raw)
    assert message["To"].addresses[0].addr_spec == MP_EMAIL
    assert message["From"].addresses[0].addr_spec == USER
    assert message["Subject"]
    assert message["Bcc"] is None and message["X-Unsent"] is None
    assert message["Message-ID"] and message["Date"]
    body = message.get_body(("plain",)).get_content()
    assert "Please support the motion." in body and "1 High Street" in body
    assert f"To:      Clive Lewis MP <{MP_EMAIL}>" in result.stderr
    assert "Sent to" in result.stderr
    # The password is nowhere: not in the output, not in any file actkit keeps.
    assert PASSWORD not in result.stdout + result.stderr
    for path in isolated_environment.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_local_relay_without_encryption_or_login(plain_server: Server) -> None:
    configure(plain_server.port, "none", user=None, host="localhost")

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 0, result.stderr
    assert plain_server.inbox.received[0][1] == [MP_EMAIL, USER]


def test_none_security_is_only_for_this_machine() -> None:
    configure(2525, "none", host="smtp.example.org")

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 2
    assert "localhost" in result.stderr


def test_wrong_password_is_exit_2_and_nothing_is_sent(
    tls_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tls_server.port, "starttls")
    monkeypatch.setenv("ACTKIT_SMTP_PASSWORD", "wrong")

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 2
    assert "refused the user name or password" in result.stderr
    assert "wrong" not in result.stderr.replace("wrong settings", "")
    assert tls_server.inbox.received == []


def test_tls_failure_is_exit_2(tls_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent-ca.pem")  # the server's CA is unknown
    configure(tls_server.port, "starttls")
    monkeypatch.setenv("ACTKIT_SMTP_PASSWORD", PASSWORD)

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 2
    assert "TLS" in result.stderr
    assert tls_server.inbox.received == []


def test_starttls_not_offered_is_exit_2(plain_server: Server) -> None:
    configure(plain_server.port, "starttls", user=None)

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 2
    assert "STARTTLS" in result.stderr


def test_refused_recipient_sends_nothing(plain_server: Server) -> None:
    plain_server.inbox.refuse.add(MP_EMAIL)
    configure(plain_server.port, "none", user=None, host="localhost")

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 1
    assert f"refused the recipient {MP_EMAIL}" in result.stderr
    assert plain_server.inbox.received == []


def test_unreachable_server_is_exit_3() -> None:
    configure(_free_port(), "none", user=None, host="localhost")

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 3
    assert "cannot reach the SMTP server" in result.stderr


def test_missing_settings_are_exit_2() -> None:
    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 2
    assert "smtp.host" in result.stderr


def test_asks_before_sending_and_stops_on_no(
    plain_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(plain_server.port, "none", user=None, host="localhost")
    monkeypatch.setattr("actkit.cli._sender.stdin_is_terminal", lambda: True)

    result = run("letter", "send", *LETTER, input="n\n")

    assert result.exit_code == 1
    assert "Send this to" in result.stderr and "Not sent." in result.stderr
    assert plain_server.inbox.received == []


def test_no_terminal_and_no_yes_refuses() -> None:
    configure(2525, "none", user=None, host="localhost")

    result = run("letter", "send", *LETTER)

    assert result.exit_code == 2
    assert "--yes" in result.stderr


def test_sends_an_eml_written_earlier_without_smuggled_headers(
    plain_server: Server, tmp_path: Path
) -> None:
    configure(plain_server.port, "none", user=None, host="localhost")
    draft = tmp_path / "letter.eml"
    assert run("letter", "write", *LETTER, "--output", str(draft)).exit_code == 0
    raw = draft.read_bytes()
    draft.write_bytes(b"Bcc: someone@example.net\r\nX-Tracking: 1\r\n" + raw)

    result = run("letter", "send", "--file", str(draft), "--yes")

    assert result.exit_code == 0, result.stderr
    _, recipients, received = plain_server.inbox.received[0]
    assert recipients == [MP_EMAIL, USER]
    message = parsed(received)
    assert message["Bcc"] is None and message["X-Tracking"] is None
    assert "someone@example.net" not in received.decode("utf-8", "replace")


def test_sending_for_a_batch_is_refused_with_the_reason(tmp_path: Path) -> None:
    supporters = tmp_path / "supporters.csv"
    supporters.write_text("Name,Address,Postcode\nA,1 Street,NR2 1AB\n", encoding="utf-8")

    result = run("letter", "send", "--file", str(supporters), "--yes")

    assert result.exit_code == 2
    assert "each supporter must send their own" in result.stderr
    assert "--mailmerge" in result.stderr


def test_smtp_settings_are_saved_in_their_own_table_and_checked(isolated_environment: Path) -> None:
    configure(587, "starttls", host="smtp.example.org")

    saved = (isolated_environment / "config.toml").read_text(encoding="utf-8")
    assert "[smtp]" in saved and 'host = "smtp.example.org"' in saved and "port = 587" in saved
    shown = run("config", "show").stdout
    assert "smtp.host = smtp.example.org" in shown and "smtp.security = starttls" in shown
    assert run("config", "set", "smtp.security", "tls-please").exit_code == 2
    assert run("config", "set", "smtp.port", "70000").exit_code == 2
    assert run("config", "set", "smtp.host", "smtp.example.org\nBcc: x").exit_code == 2
    assert run("config", "set", "smtp.password", "x").exit_code == 2  # never stored


def test_sends_over_implicit_tls(ssl_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(ssl_server.port, "ssl")
    monkeypatch.setenv("ACTKIT_SMTP_PASSWORD", PASSWORD)

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 0, result.stderr
    assert ssl_server.inbox.received[0][1] == [MP_EMAIL, USER]


def test_a_login_without_a_password_says_how_to_give_one(tls_server: Server) -> None:
    configure(tls_server.port, "starttls")

    result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 2
    assert "ACTKIT_SMTP_PASSWORD" in result.stderr
    assert tls_server.inbox.received == []


def test_a_server_that_never_answers_times_out_with_exit_3(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("actkit.sending.TIMEOUT", 0.5)
    with socket.socket() as silent:  # accepts connections (the backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        configure(silent.getsockname()[1], "none", user=None, host="localhost")

        result = run("letter", "send", *LETTER, "--yes")

    assert result.exit_code == 3
    assert "did not answer in time" in result.stderr
