"""``actkit serve`` (a letter-writing page for a stall) and ``actkit supporters`` (its list)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from actkit.cli._common import (
    CampaignOption,
    OfflineOption,
    info,
    plural,
    reports_errors,
    write_result,
)

supporters_app = typer.Typer(
    help="The supporters list that `actkit serve` keeps for visitors who consent.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(supporters_app, name="supporters")


@reports_errors
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8765,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Anything but 127.0.0.1 lets other devices on the "
            "network in, and needs the PIN printed at start."
        ),
    ] = "127.0.0.1",
    campaign: CampaignOption = None,
    template: Annotated[
        list[str] | None,
        typer.Option(
            "--template",
            "-t",
            metavar="NAME",
            help="Offer only this template (repeat for more). [default: every template]",
        ),
    ] = None,
    offline: OfflineOption = False,
    kiosk: Annotated[
        bool,
        typer.Option(
            "--kiosk",
            help="A shared device: no autofill, and the page clears after 'Next person' "
            "or 3 minutes idle.",
        ),
    ] = False,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the page in the default browser.")
    ] = False,
) -> None:
    """Serve a letter-writing page for a street stall or a meeting, on this machine.

    A visitor types their postcode, meets their MP, picks a letter, adds their details and
    their own words, then prints it, downloads it or sends it from their own email.
    Nothing a visitor types is kept, unless they tick the box to join the supporters list
    (`actkit supporters export`). Stop it with Ctrl-C.
    """
    from actkit import config
    from actkit.templates import campaign_dir
    from actkit.web.server import StallServer
    from actkit.web.server import open_browser as open_page
    from actkit.web.stall import StallSettings, is_loopback, new_pin, supporters_list

    supporters = supporters_list()
    settings = StallSettings(
        campaign=campaign_dir(campaign),
        templates=tuple(dict.fromkeys(template or ())),
        offline=offline,
        kiosk=kiosk,
        pin=None if is_loopback(host) else new_pin(),
        max_fact_age_days=config.max_fact_age_days(),
        supporters_file=supporters.path,
    )
    try:
        server = StallServer(settings, host=host, port=port, supporters=supporters)
    except OSError as error:
        from actkit.errors import InvalidInput

        raise InvalidInput(
            f"cannot listen on {host}:{port}: {error.strerror or error} "
            "(is another server using that port? try --port)"
        ) from None

    def announce() -> None:
        typer.echo(server.url)
        info(f"Serving the letter-writing page at {server.url} (Ctrl-C to stop).")
        if settings.pin:
            info(
                f"PIN: {settings.pin}  Other devices on this network can open the page; "
                "each asks for this PIN once."
            )
        if settings.offline:
            info("Offline: MPs come from the embedded data; nothing is sent anywhere.")
        if kiosk:
            info("Kiosk mode: the page clears after 'Next person' or 3 minutes idle.")
        info(f"Supporters who tick the consent box are listed in {supporters.path}.")
        if open_browser:
            open_page(server.url)

    try:
        server.run(on_start=announce)
    except KeyboardInterrupt:
        info("Stopped.")


@supporters_app.command("export")
@reports_errors
def supporters_export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write to this file, not stdout."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite --output if it exists.")
    ] = False,
) -> None:
    """Print the supporters list as CSV: added, name, postcode, email, constituency, mp,
    template. Only visitors who ticked the consent box are on it."""
    from actkit.fileio import refuse_existing
    from actkit.web.stall import supporters_list

    refuse_existing(output, force=force)
    found = supporters_list()
    count = len(found.rows())
    write_result(found.export(), output, force=force)
    info(f"{plural(count, 'supporter')} in {found.path}.")


@supporters_app.command("clear")
@reports_errors
def supporters_clear() -> None:
    """Delete the supporters list (export it first)."""
    from actkit.web.stall import supporters_list

    removed = supporters_list().clear()
    info(f"Deleted the supporters list ({plural(removed, 'supporter')}).")
