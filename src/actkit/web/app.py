"""The stall's web pages: postcode → MP → template and details → preview, print, download.

Flask, with Flask-WTF's CSRF protection on every form and the ``secure`` library's
security headers; served by waitress (see ``serve``). The server keeps nothing a visitor
types: each page carries the visitor's answers in its forms to the next, and every page
is sent ``Cache-Control: no-store``. Letters come from ``actkit.letters.write_letter`` and
``actkit.formats.letters``, exactly as ``actkit letter write`` makes them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Flask, Response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup

from actkit.errors import ActkitError
from actkit.facts import Fact, load_facts
from actkit.letters import LetterRenderer, write_letter
from actkit.templates import LetterTemplate, load_template, template_paths
from actkit.text import format_date
from actkit.web.stall import (
    FIELDS,
    MAX_LENGTH,
    PageError,
    PersonalisationGuard,
    StallSettings,
    VisitorForm,
    check_sender,
    is_loopback,
    page_error,
)

if TYPE_CHECKING:
    from pathlib import Path

    from werkzeug.wrappers import Response as BaseResponse

    from actkit.letters import Letter
    from actkit.models import Lookup
    from actkit.web.stall import SupportersList

DOWNLOADS = ("txt", "docx", "pdf")
"""Offered when actkit's formats can make them (.pdf once it exists)."""
MIME = {
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
PIN_ATTEMPTS, PIN_LOCKOUT_SECONDS = 5, 60
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_LETTER_PAGE = re.compile(r'<main class="page">(.*)</main>', re.DOTALL)


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """A template as the page shows it: what it is for, and the facts it cites."""

    template: LetterTemplate
    facts: tuple[Fact, ...]
    renderer: LetterRenderer
    """Only for showing what the letter says; the letter itself comes from write_letter."""


@cache
def letter_style() -> str:
    """The CSS of the ``--format html`` letter page, so the preview prints the same A4 letter."""
    page = (files("actkit") / "formats" / "letter.html.j2").read_text(encoding="utf-8")
    found = _STYLE.search(page)
    return found.group(1) if found else ""


def _style_hash(css: str) -> str:
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def security_headers() -> Any:
    """Headers as the ``secure`` library sets them: nothing may load from elsewhere."""
    import secure

    csp = (
        secure.ContentSecurityPolicy()
        .default_src("'none'")
        .script_src("'self'")
        .style_src("'self'", _style_hash(letter_style()))
        .img_src("'self'")
        .connect_src("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
        .base_uri("'none'")
    )
    return secure.Secure(
        csp=csp,
        cache=secure.CacheControl().no_store(),
        coop=secure.CrossOriginOpenerPolicy().same_origin(),
        corp=secure.CrossOriginResourcePolicy().same_origin(),
        permissions=secure.PermissionsPolicy().geolocation().camera().microphone(),
        referrer=secure.ReferrerPolicy().no_referrer(),
        xcto=secure.XContentTypeOptions().nosniff(),
        xfo=secure.XFrameOptions().deny(),
        server=secure.Server().set("actkit"),
    )


def load_choices(settings: StallSettings) -> dict[str, TemplateChoice]:
    """The templates on offer, each checked to render (a broken one fails at start-up)."""
    facts = load_facts(settings.campaign)
    names = settings.templates or tuple(template_paths(settings.campaign))
    choices = {}
    for name in names:
        template = load_template(name, settings.campaign)
        renderer = LetterRenderer(template, facts, max_fact_age_days=settings.max_fact_age_days)
        cited = tuple(facts[i] for i in template.facts if i in facts)
        choices[name] = TemplateChoice(template, cited, renderer)
    return choices


class PinGuard:
    """The PIN another device must give once; a few wrong guesses lock that address out."""

    def __init__(self, pin: str | None) -> None:
        self.pin = pin
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def locked(self, address: str) -> bool:
        count, since = self._failures.get(address, (0, 0.0))
        return count >= PIN_ATTEMPTS and time.monotonic() - since < PIN_LOCKOUT_SECONDS

    def check(self, address: str, given: str) -> bool:
        if self.pin is None:
            return True
        with self._lock:
            if self.locked(address):
                return False
            if hmac.compare_digest(given.strip().encode(), self.pin.encode()):
                self._failures.pop(address, None)
                return True
            count, _ = self._failures.get(address, (0, 0.0))
            self._failures[address] = (count + 1, time.monotonic())
            return False


def create_app(
    settings: StallSettings,
    *,
    host: str = "127.0.0.1",
    supporters: SupportersList | None = None,
) -> Flask:
    """The stall's Flask app. ``host`` is where it listens (loopback hosts are trusted)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # new each start: a restart forgets every browser
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # tokens end at "Next person" instead (see next_person)
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if is_loopback(host):
        # Another site's page cannot reach a loopback server by a name it controls.
        app.config["TRUSTED_HOSTS"] = ["127.0.0.1", "localhost", "[::1]", "::1"]
    CSRFProtect(app)
    headers = security_headers()
    choices = load_choices(settings)
    guard = PersonalisationGuard()
    pins = PinGuard(settings.pin)
    app.jinja_env.globals.update(
        settings=settings,
        letter_style=Markup(letter_style()),
        max_length=MAX_LENGTH,
        format_date=format_date,
        hidden_fields=hidden_fields,
    )

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers.set_headers(response)
        return response

    @app.before_request
    def ask_for_pin() -> BaseResponse | None:
        if settings.pin is None or session.get("pin_ok") or request.endpoint in ("pin", "static"):
            return None
        return redirect(url_for("pin", next=request.full_path if request.args else "/"))

    @app.route("/pin", methods=["GET", "POST"])
    def pin() -> Any:
        target = _safe_next(request.values.get("next", "/"))
        error = ""
        if request.method == "POST":
            address = request.remote_addr or ""
            if pins.check(address, request.form.get("pin", "")):
                session.permanent = True
                session["pin_ok"] = True
                return redirect(target, code=303)
            error = (
                "Too many wrong PINs: wait a minute, then try again."
                if pins.locked(address)
                else "That PIN is not right. The organiser's laptop shows it."
            )
        status = 422 if error else 200
        return render_template("pin.html", error=error, next=target), status

    @app.get("/")
    def start() -> Any:
        form = VisitorForm.read(request.args)
        return _start_page(form, {})

    @app.post("/write")
    def write() -> Any:
        form = VisitorForm.read(request.form)
        found, problem = _lookup(form["postcode"])
        if found is None:
            return _start_page(form, {problem.field or "postcode": problem.message}), 422
        return _write_page(form, found, {})

    @app.post("/letter")
    def letter() -> Any:
        form = VisitorForm.read(request.form)
        made, problems = _make_letter(form)
        if made is None:
            found, problem = _lookup(form["postcode"])
            if found is None:
                return _start_page(form, {problem.field or "postcode": problem.message}), 422
            return _write_page(form, found, problems), 422
        if form.consent and supporters is not None:
            supporters.add(made.sender, made)
            _log_letter(made, settings.campaign)
        identical = guard.identical_before(made)
        return render_template(
            "preview.html",
            form=form,
            letter=made,
            letter_page=_letter_fragment(made),
            identical=identical,
            downloads=_downloads(),
            mailto=_mailto(made),
            step=3,
        )

    @app.post("/print")
    def print_view() -> Any:
        from actkit.formats.letters import render

        made = _letter_or_fail(VisitorForm.read(request.form))
        if isinstance(made, tuple):
            return made
        return Response(render(made, "html"), mimetype="text/html")

    @app.post("/download/<fmt>")
    def download(fmt: str) -> Any:
        from actkit.fileio import slug
        from actkit.formats.letters import render

        if fmt not in _downloads():
            return _problem_page("There is no download of that kind.", 404)
        made = _letter_or_fail(VisitorForm.read(request.form))
        if isinstance(made, tuple):
            return made
        name = f"letter-to-{slug(made.mp.name)}.{fmt}"
        return Response(
            render(made, fmt),  # type: ignore[arg-type]  # checked against FORMATS above
            mimetype=MIME[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.route("/next", methods=["GET", "POST"])
    def next_person() -> BaseResponse:
        # A new CSRF secret: the last visitor's pages, resubmitted from the browser's
        # history, are refused instead of showing their letter again.
        session.pop("csrf_token", None)
        return redirect(url_for("start"), code=303)

    @app.errorhandler(CSRFError)
    def expired(_error: CSRFError) -> Any:
        return _problem_page(
            "This page has expired, so nothing from it was kept. Please start again.", 400
        )

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Any:
        return _problem_page("There is no page here.", 404)

    @app.errorhandler(500)
    def broken(_error: Exception) -> Any:
        return _problem_page(
            "Something went wrong on this laptop. Please start again, or ask the organisers.",
            500,
        )

    def _start_page(form: VisitorForm, errors: dict[str, str]) -> str:
        return render_template("start.html", form=form, errors=errors, step=1)

    def _write_page(form: VisitorForm, found: Lookup, errors: dict[str, str]) -> str:
        chosen = form["template"] if form["template"] in choices else ""
        if len(choices) == 1:
            chosen = next(iter(choices))
        return render_template(
            "write.html",
            form=form,
            found=found,
            choices=choices,
            chosen=chosen,
            errors=errors,
            source=_source_line(found),
            samples={name: _sample(choice, found) for name, choice in choices.items()},
            step=2,
        )

    def _lookup(postcode: str) -> tuple[Lookup | None, PageError]:
        from actkit.representatives import find_mp

        try:
            return find_mp(postcode, offline=settings.offline), PageError("", "")
        except ActkitError as error:
            return None, page_error(error, postcode)

    def _make_letter(form: VisitorForm) -> tuple[Letter | None, dict[str, str]]:
        sender, problems = check_sender(form)
        if form["template"] not in choices:
            problems["template"] = "Please choose which letter to send."
        if sender is None or problems:
            return None, problems
        try:
            made = write_letter(
                template_name=form["template"],
                postcode=sender.postcode,
                sender=sender,
                personal=form["personal"],
                letter_date=date.today(),
                offline=settings.offline,
                campaign=settings.campaign,
                max_fact_age_days=settings.max_fact_age_days,
            )
        except ActkitError as error:
            problem = page_error(error, form["postcode"])
            return None, {problem.field or "page": problem.message}
        return made, {}

    def _letter_or_fail(form: VisitorForm) -> Letter | tuple[str, int]:
        made, problems = _make_letter(form)
        if made is None:
            return _problem_page(" ".join(problems.values()), 422)
        return made

    def _problem_page(message: str, status: int) -> tuple[str, int]:
        return render_template("problem.html", message=message), status

    return app


def _safe_next(target: str) -> str:
    """Only a path on this server: never an address elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _downloads() -> tuple[str, ...]:
    from actkit.formats.letters import FORMATS

    return tuple(fmt for fmt in DOWNLOADS if fmt in FORMATS)


def _letter_fragment(letter: Letter) -> Markup:
    """The letter's A4 sheet from the ``--format html`` page, to sit inside the preview."""
    from actkit.formats.letters import to_html

    found = _LETTER_PAGE.search(to_html(letter))
    inner = found.group(1) if found else ""
    return Markup(f'<article class="page" aria-label="Your letter">{inner}</article>')


_CITE_LINK = re.compile(r'<a href="#ref-\d+">(\[\d+\])</a>')
_LETTER_BODY = re.compile(r'<div class="body">(.*?)</div>', re.DOTALL)
SAMPLE_PERSONAL = "[Your own words go here.]"


def _sample(choice: TemplateChoice, found: Lookup) -> Markup:
    """What the template says to this MP, with stand-ins for the visitor's details."""
    from actkit.formats.letters import to_html
    from actkit.letters import Sender

    sample = choice.renderer.render(
        mp=found.mp,
        constituency=found.constituency,
        sender=Sender(name="[Your name]", address=("[Your address]",), postcode=found.postcode),
        personal=SAMPLE_PERSONAL,
        letter_date=date.today(),
        source=found.source,
    )
    body = _LETTER_BODY.search(to_html(sample))
    return Markup(_CITE_LINK.sub(r"\1", body.group(1)) if body else "")


def _mailto(letter: Letter) -> str | None:
    """A ``mailto:`` link with the MP's address, the subject and the .eml's body."""
    from actkit.formats.letters import email_text

    if not letter.mp.email:
        return None
    subject, body = quote(letter.subject), quote(email_text(letter))
    return f"mailto:{quote(letter.mp.email, safe='@')}?subject={subject}&body={body}"


def _source_line(found: Lookup) -> str:
    if found.source == "live":
        return "Source: postcodes.io and the UK Parliament Members API, asked just now."
    as_of = found.data_as_of
    if as_of is None:
        return "Source: actkit's offline data."
    age = (date.today() - as_of).days
    return (
        f"Source: actkit's offline data of {format_date(as_of)} ({age} days old): "
        "seats change at by-elections."
    )


def _log_letter(letter: Letter, campaign: Path | None) -> None:
    """With the visitor's consent, the letter goes in the organiser's letter log too.

    The log is a record, not the letter: a failure to write it never stops the visitor.
    """
    import sqlite3

    from actkit.errors import ActkitError
    from actkit.formats.letters import render
    from actkit.logbook import enabled, new_letter, open_logbook

    if not enabled():
        return
    record = new_letter(
        letter, fmt="html", content=render(letter, "html"), file=None, campaign=campaign
    )
    try:
        with open_logbook() as book:
            book.add(record)
    except (ActkitError, sqlite3.Error):
        return


def hidden_fields(form: VisitorForm, *, consent: bool = False) -> Markup:
    """The visitor's answers as hidden inputs, to carry them to the next page."""
    from markupsafe import escape

    inputs = [
        f'<input type="hidden" name="{name}" value="{escape(form[name])}">' for name in FIELDS
    ]
    if consent and form.consent:
        inputs.append('<input type="hidden" name="consent" value="yes">')
    return Markup("\n".join(inputs))
