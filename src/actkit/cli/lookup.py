"""``actkit lookup``, ``actkit cache`` and ``actkit data``: who is my MP, and the data behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from actkit.cli._common import (
    JsonOption,
    OfflineOption,
    info,
    print_json,
    reports_errors,
    warn_all,
)

if TYPE_CHECKING:
    from actkit.bodies.lookup import Representatives
    from actkit.models import Lookup

cache_app = typer.Typer(
    help="Inspect or clear the cache of web service answers.", no_args_is_help=True
)
data_app = typer.Typer(
    help="The embedded offline data: what it is, its date and licences.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command("lookup")(lookup)
    app.add_typer(cache_app, name="cache")
    app.add_typer(data_app, name="data")


@reports_errors
def lookup(
    postcode: Annotated[
        list[str],
        typer.Argument(metavar="POSTCODE", help="A UK postcode, any casing or spacing."),
    ],
    as_json: JsonOption = False,
    offline: OfflineOption = False,
    every_body: Annotated[
        bool,
        typer.Option(
            "--all", help="Every representative: MP, and MSPs, MSs or MLAs where there are any."
        ),
    ] = False,
    body: Annotated[
        str | None,
        typer.Option(
            "--body",
            metavar="BODY",
            help="Only one body: commons, scottish-parliament, senedd or ni-assembly.",
        ),
    ] = None,
) -> None:
    """Find the MP for a postcode: name, party, constituency, email, phone and address.

    With --all, every representative of the postcode grouped by body (MSPs in Scotland,
    Members of the Senedd in Wales, MLAs in Northern Ireland); --body picks one body.
    Asks postcodes.io and the UK Parliament Members API (only the postcode leaves your
    machine); if they cannot be reached, answers from the embedded offline data and says so.
    """
    if every_body or body is not None:
        _lookup_bodies(" ".join(postcode), body, as_json=as_json, offline=offline)
        return
    from actkit.representatives import find_mp

    result = find_mp(" ".join(postcode), offline=offline)
    warn_all(result.warnings)
    if as_json:
        print_json(result.to_json())
    else:
        typer.echo(describe(result))


def describe(result: Lookup) -> str:
    mp = result.mp
    rows = [
        ("Party", mp.party),
        ("Constituency", f"{result.constituency.name} ({result.constituency.gss_code})"),
        ("Postcode", f"{result.postcode}, {result.country}"),
        ("Email", mp.email or "none listed: write by post"),
        ("Phone", mp.phone or "not listed"),
        ("Post", ", ".join(mp.postal_address)),
    ]
    office = mp.constituency_office
    if office:
        details = [", ".join(office.address), office.email or "", office.phone or ""]
        rows.append(("Constituency office", "; ".join(d for d in details if d)))
    width = max(len(label) for label, _ in rows) + 2
    lines = [mp.full_title, *(f"  {label + ':':<{width}}{value}" for label, value in rows)]
    lines.append("")
    lines.append(_source_line(result))
    return "\n".join(lines)


def _source_line(result: Lookup) -> str:
    if result.source == "live":
        return (
            "Source: live, from postcodes.io and the UK Parliament Members API "
            "(Open Parliament Licence v3.0)."
        )
    from actkit.text import format_date

    as_of = format_date(result.data_as_of) if result.data_as_of else "an unknown date"
    return f"Source: offline data of {as_of}; `actkit data info` lists its sources and licences."


@cache_app.command("info")
@reports_errors
def cache_info(as_json: JsonOption = False) -> None:
    """Where the cache is, how big, and how many answers it holds per service."""
    from actkit.http import cache_info as read_cache_info

    details = read_cache_info()
    if as_json:
        print_json(details)
        return
    typer.echo(f"Cache: {details['path']}")
    if not details["exists"]:
        typer.echo("Empty: nothing has been cached yet.")
        return
    if details["damaged"]:
        typer.echo(
            "The cache file is damaged: lookups work without it; `actkit cache clear` removes it."
        )
        return
    typer.echo(f"Size: {details['size_bytes'] / 1024:.0f} KiB, {details['responses']} responses")
    for host, count in details["by_host"].items():
        typer.echo(f"  {host}: {count}")
    typer.echo("Postcode answers are kept 30 days; MP details and member lists 1 day.")


@cache_app.command("clear")
@reports_errors
def cache_clear() -> None:
    """Delete every cached answer; the next lookups ask the services again."""
    from actkit.http import clear_cache

    removed = clear_cache()
    info(f"Cleared the cache ({removed} responses).")


@data_app.command("info")
@reports_errors
def data_info(as_json: JsonOption = False) -> None:
    """What the embedded offline data is, its date, sources and licences."""
    from actkit import offline

    sets = offline.datasets()
    changes = offline.seats_changed_after_snapshot()
    if as_json:
        print_json(
            {
                "datasets": sets,
                "changes_after_snapshot": [
                    {
                        "gss_code": change.gss_code,
                        "constituency": change.constituency_name,
                        "seen": change.seen.isoformat(),
                        "change": change.change,
                        "source": change.source,
                    }
                    for change in changes
                ],
                "attribution": offline.attribution(),
            }
        )
        return
    for key, entry in sets.items():
        typer.echo(f"{key}: {entry['description']}")
        typer.echo(f"  file:    {entry['file']}")
        typer.echo(f"  as of:   {entry['as_of']}")
        typer.echo(f"  source:  {entry['source']}")
        typer.echo(f"  licence: {entry['licence']}")
    typer.echo("")
    if changes:
        typer.echo(f"Seats known to have changed since the MP data of {offline.mps_as_of()}:")
        for change in changes:
            typer.echo(f"  {change.constituency_name} ({change.seen}): {change.change}")
        typer.echo("")
    typer.echo(offline.attribution().rstrip())


# --- lookup --all / --body (issue 10) ----------------------------------------------------


def _lookup_bodies(postcode: str, body: str | None, *, as_json: bool, offline: bool) -> None:
    from actkit.bodies import BODY_IDS
    from actkit.bodies.lookup import find_representatives

    if body is not None and body not in BODY_IDS:
        raise typer.BadParameter(
            f"{body!r} is not one of {', '.join(BODY_IDS)}", param_hint="--body"
        )
    result = find_representatives(postcode, body=body, offline=offline)
    if body is not None and body in result.failures:
        raise result.failures[body]  # the body asked for could not answer: its exit code
    if not result.representatives and result.failures:
        raise next(iter(result.failures.values()))
    warn_all(result.warnings)
    if as_json:
        print_json(result.to_json())
    else:
        typer.echo(describe_all(result))


def describe_all(result: Representatives) -> str:
    """Representatives grouped by body, then by role, with contact details."""
    from actkit.bodies import BODY_NAMES

    lines = [f"{result.postcode}, {result.country}"]
    heading = None
    for rep in result.representatives:
        group = (rep.body, rep.role, rep.area.name)
        if group != heading:
            heading = group
            area = f"{rep.area.name} ({rep.area.code})" if rep.area.code else rep.area.name
            lines += [
                "",
                f"{BODY_NAMES[rep.body]}: {_plural_role(rep.role, result, group)}, {area}",
            ]
        lines.append(f"  {rep.full_title}" + (f" ({rep.party})" if rep.party else ""))
        lines.append(f"    Email: {rep.email or 'none listed: write by post'}")
        if rep.phone:
            lines.append(f"    Phone: {rep.phone}")
        lines.append(f"    Post:  {', '.join(rep.postal_address)}")
        if rep.profile_url:
            lines.append(f"    Web:   {rep.profile_url}")
    lines += ["", _sources_line(result)]
    return "\n".join(lines)


def _plural_role(role: str, result: Representatives, group: tuple[str, str, str]) -> str:
    count = sum(1 for r in result.representatives if (r.body, r.role, r.area.name) == group)
    return role if count == 1 else f"{count} {role}s"


def _sources_line(result: Representatives) -> str:
    offline = [r for r in result.representatives if r.source == "offline"]
    if offline:
        from actkit.text import format_date

        as_of = offline[0].data_as_of
        when = format_date(as_of) if as_of else "an unknown date"
        return (
            f"Source: the MP from offline data of {when}, the rest live; "
            "`actkit data info` lists licences."
        )
    return (
        "Sources: live, from postcodes.io, the UK Parliament Members API and each "
        "legislature's own open data (see the README for licences)."
    )
