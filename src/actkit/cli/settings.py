"""``actkit config``: save your details once instead of typing them on every letter."""

from __future__ import annotations

from typing import Annotated

import typer

from actkit.cli._common import info, print_json, reports_errors

config_app = typer.Typer(
    help="Save your name, address, postcode and email for `letter write` (never for batches).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.command("set")
@reports_errors
def config_set(
    key: Annotated[
        str,
        typer.Argument(
            help="name, address, postcode, email, max_fact_age_days, log (on/off), or for "
            "`letter send` smtp.host, smtp.port, smtp.user, smtp.security (starttls, ssl or none)."
        ),
    ],
    value: Annotated[str, typer.Argument(help="The value to save.")],
) -> None:
    """Save a setting."""
    from actkit import config

    saved = config.set_value(key, value)
    info(f"Saved {key} = {saved!r}")


@config_app.command("unset")
@reports_errors
def config_unset(key: Annotated[str, typer.Argument(help="The setting to forget.")]) -> None:
    """Forget a saved setting."""
    from actkit import config

    info(f"Forgot {key}." if config.unset(key) else f"{key} was not set.")


@config_app.command("show")
@reports_errors
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show saved settings and where they are stored."""
    from actkit import config
    from actkit.paths import config_file

    saved = config.load()
    if as_json:
        print_json(saved)
        return
    info(f"# {config_file()}")
    if not saved:
        info("Nothing saved yet: try `actkit config set name 'Your Name'`.")
    for key in config.KEYS:
        if key in saved:
            typer.echo(f"{key} = {saved[key]}")
