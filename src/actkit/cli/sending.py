"""``actkit letter send``: one letter to one representative, from the user's own account."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from actkit.cli._common import (
    AddressOption,
    CampaignOption,
    LetterDateOption,
    MaxFactAgeOption,
    NameOption,
    OfflineOption,
    PersonalFileOption,
    PersonalOption,
    PostcodeOption,
    info,
    reports_errors,
    warn,
)

if TYPE_CHECKING:
    from actkit.letters import Letter
    from actkit.sending import SmtpSettings

REFUSE_BATCH = (
    "`letter send` sends one letter, from you, to your own MP. It will not send on behalf of "
    "other people: each supporter must send their own letter from their own account (MPs "
    "answer constituents, and a letter sent for someone is not theirs). Use `letter batch "
    "--mailmerge FILE.csv` to send each supporter their own draft to forward."
)


def register(letter_app: typer.Typer) -> None:
    letter_app.command("send")(letter_send)


@reports_errors
def letter_send(
    template: Annotated[
        str | None,
        typer.Option("--template", "-t", help="Template name (`actkit templates list`)."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", dir_okay=False, help="Send an .eml written earlier instead of a template."
        ),
    ] = None,
    postcode: PostcodeOption = None,
    name: NameOption = None,
    address: AddressOption = None,
    email: Annotated[
        str | None,
        typer.Option(help="Your email address: the letter comes from it. [default: saved]"),
    ] = None,
    personal: PersonalOption = None,
    personal_file: PersonalFileOption = None,
    letter_date: LetterDateOption = None,
    offline: OfflineOption = False,
    campaign: CampaignOption = None,
    max_fact_age: MaxFactAgeOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Send without asking (for scripts).")
    ] = False,
    supporters: Annotated[
        Path | None,
        typer.Option("--supporters", hidden=True, help="Refused: see `letter batch --mailmerge`."),
    ] = None,
) -> None:
    """Send one letter to your MP through your own email account (SMTP).

    Set up once: `actkit config set smtp.host smtp.example.org`, `smtp.user`, and if need be
    `smtp.port` and `smtp.security` (starttls, ssl, or none for a relay on this machine). The
    password comes from ACTKIT_SMTP_PASSWORD or is asked for; it is never saved. Shows the
    message and asks before sending; a copy goes to you in the same delivery. Exit 3 when
    the server cannot be reached, 2 for wrong settings or password.
    """
    from actkit import config, sending
    from actkit.errors import InvalidInput

    if supporters is not None or (file is not None and file.suffix.lower() in (".csv", ".tsv")):
        raise InvalidInput(REFUSE_BATCH)
    if (template is None) == (file is None):
        raise InvalidInput(
            "give --template (write the letter now) or --file LETTER.eml, one of them"
        )
    saved = config.load()
    settings = sending.SmtpSettings.from_config(saved)  # wrong settings fail before any work
    if file is not None:
        outgoing = sending.outgoing_file(file)
    else:
        assert template is not None
        outgoing = sending.outgoing_letter(
            _write(template, saved, postcode=postcode, name=name, address=address, email=email,
                   personal=personal, personal_file=personal_file, letter_date=letter_date,
                   offline=offline, campaign=campaign, max_fact_age=max_fact_age)
        )  # fmt: skip
    info(outgoing.preview())
    if not yes and not _confirm(f"Send this to {outgoing.recipient} via {settings.host}?"):
        info("Not sent.")
        raise typer.Exit(1)
    password = _password(settings)
    copied = sending.send(outgoing, settings, password)
    logged = sending.record_sent(outgoing, file=file)  # letter log (issue 11)
    if copied:
        info(f"Sent to {outgoing.recipient}, with a copy to {outgoing.sender}.")
    else:
        info(f"Sent to {outgoing.recipient}.")
        warn(f"the server refused the copy to {outgoing.sender}; the letter itself was sent")
    if logged:
        info(logged)


def _write(
    template: str,
    saved: dict[str, Any],
    *,
    postcode: str | None,
    name: str | None,
    address: str | None,
    email: str | None,
    personal: str | None,
    personal_file: Path | None,
    letter_date: str | None,
    offline: bool,
    campaign: Path | None,
    max_fact_age: int | None,
) -> Letter:
    """The letter, exactly as `letter write` would make it."""
    from actkit.cli.letters import compose_letter

    return compose_letter(
        template,
        saved,
        postcode=postcode,
        name=name,
        address=address,
        email=email,
        personal=personal,
        personal_file=personal_file,
        letter_date=letter_date,
        offline=offline,
        campaign=campaign,
        max_fact_age=max_fact_age,
    )


def _confirm(question: str) -> bool:
    from actkit.cli._sender import stdin_is_terminal

    if not stdin_is_terminal():
        from actkit.errors import InvalidInput

        raise InvalidInput("not sending without confirmation: run in a terminal, or add --yes")
    return typer.confirm(question, default=False, err=True)


def _password(settings: SmtpSettings) -> str | None:
    from actkit.cli._sender import stdin_is_terminal
    from actkit.sending import PASSWORD_ENV

    if not settings.user:
        return None
    from_environment = os.environ.get(PASSWORD_ENV)
    if from_environment:
        return from_environment
    if not stdin_is_terminal():
        return None  # send() explains how to give one
    import getpass

    return getpass.getpass(f"Password for {settings.user} at {settings.host} (not saved): ")
