"""``actkit serve``'s pages through Flask's test client, and its commands.

The letters must be exactly what ``actkit letter write`` makes from the same answers;
errors come from the library's error types; nothing is kept without consent.
The same pages in a real browser: ``test_serve_browser.py``.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote

import docx
import pytest

from actkit.web.app import _safe_next, create_app
from actkit.web.stall import StallSettings, SupportersList, supporters_list
from tests.fakes import FakeServices
from tests.helpers import run

VISITOR = {
    "postcode": "NR2 1AB",
    "name": "Alex Example",
    "address": "1 High Street, Norwich",
    "email": "alex@example.org",
    "personal": "I volunteer with refugees from Idlib at the Norwich drop-in.",
    "template": "syria-civilians",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Visit:
    """One browser's session with the stall: keeps its cookie and CSRF token."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        self._remember(response)
        return response

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        response = self.client.post(path, data={"csrf_token": self.token, **data}, **kwargs)
        self._remember(response)
        return response

    def _remember(self, response: Any) -> None:
        if response.mimetype != "text/html":
            return
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)


@pytest.fixture
def stall(tmp_path: Path) -> Callable[..., Visit]:
    def start(**settings: Any) -> Visit:
        supporters = SupportersList(tmp_path / "supporters.csv")
        chosen = StallSettings(**{"offline": True, "supporters_file": supporters.path, **settings})
        app = create_app(chosen, supporters=supporters)
        visit = Visit(app)
        visit.supporters = supporters  # type: ignore[attr-defined]
        visit.get("/")
        return visit

    return start


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def field_error(response: Any, field: str) -> str:
    found = re.search(
        rf'id="{field}-error"><span class="visually-hidden">Error:</span> (.*?)</p>',
        response.get_data(as_text=True),
        re.DOTALL,
    )
    return found.group(1).replace("&#39;", "'") if found else ""


# --- The first page --------------------------------------------------------------------------


def test_query_parameters_fill_in_the_first_page(stall: Callable[..., Visit]) -> None:
    visit = stall()
    page = text_of(visit.get("/?postcode=nr2+1ab&template=syria-civilians&name=Alex+Example"))

    assert 'id="postcode" name="postcode" value="nr2 1ab"' in page
    assert '<input type="hidden" name="template" value="syria-civilians">' in page
    assert '<input type="hidden" name="name" value="Alex Example">' in page


def test_query_parameters_are_escaped(stall: Callable[..., Visit]) -> None:
    page = stall().get('/?postcode="><script>alert(1)</script>').get_data(as_text=True)

    assert "<script>alert" not in page
    assert "&#34;&gt;&lt;script&gt;" in page


def test_a_chosen_template_is_carried_to_the_second_page(stall: Callable[..., Visit]) -> None:
    page = text_of(stall().post("/write", {"postcode": "nr21ab", "template": "thank-you"}))

    assert "Your MP is Clive Lewis MP" in page
    assert 'value="thank-you" checked' in page
    assert "offline data of 27 June 2026" in page


def test_each_template_can_be_read_before_choosing(stall: Callable[..., Visit]) -> None:
    page = text_of(stall().post("/write", {"postcode": "NR2 1AB"}))

    samples = re.findall(r'<div class="sample-body">(.*?)</div> </details>', page)
    assert len(samples) == 5  # every built-in template
    assert all("Dear Clive Lewis," in sample for sample in samples)
    assert any("[Your own words go here.]" in sample for sample in samples)
    assert "Assad" in " ".join(samples)  # the Syria letter, with its citations as [n]
    assert '<sup class="cite">[1]</sup>' in page
    assert 'href="#ref-' not in page


def test_a_campaigns_own_templates_are_offered(stall: Callable[..., Visit], tmp_path: Path) -> None:
    from actkit.campaign import create_campaign

    create_campaign(tmp_path / "campaign", force=False)
    visit = stall(campaign=tmp_path / "campaign", templates=("example",))

    preview = visit.post("/letter", {**VISITOR, "template": "example"})
    assert preview.status_code == 200
    assert "Dear Clive Lewis," in text_of(preview)


def test_only_the_organisers_templates_are_offered(stall: Callable[..., Visit]) -> None:
    visit = stall(templates=("meeting-request",))
    page = text_of(visit.post("/write", {"postcode": "NR2 1AB", "template": "thank-you"}))

    assert '<input type="hidden" name="template" value="meeting-request">' in page
    assert "Thank your MP" not in page
    refused = visit.post("/letter", {**VISITOR, "template": "thank-you"})
    assert refused.status_code == 422
    assert "Please choose which letter" in text_of(refused)


# --- Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("NR2 1A", "does not look like a UK postcode"),
        ("JE2 4WD", "JE2 4WD is in the Channel Islands, which have no MP at Westminster"),
        ("IM1 1AA", "IM1 1AA is in the Isle of Man, which has no MP at Westminster"),
        ("BT1 1AA", "BT1 1AA is in Northern Ireland, and this stall has no internet"),
    ],
)
def test_offline_errors_are_shown_next_to_the_postcode(
    stall: Callable[..., Visit], postcode: str, expected: str
) -> None:
    response = stall().post("/write", {"postcode": postcode})

    assert response.status_code == 422
    assert expected in field_error(response, "postcode")
    assert "Traceback" not in text_of(response)


def test_live_errors_are_shown_next_to_the_postcode(
    stall: Callable[..., Visit], services: FakeServices
) -> None:
    services.add_postcode_error("AB1 0AA", "postcodes_error_terminated_AB10AA.json")
    services.add_postcode_error("NR2 9ZZ", "postcodes_error_notfound_ID11QE.json")
    services.add_postcode("M34 3AA", "England", "Gorton and Denton", "E14001251")
    services.add_seat("Gorton and Denton", None)
    visit = stall(offline=False)

    expected = {
        "AB1 0AA": "AB1 0AA is no longer in use: it was terminated in June 1996",
        "NR2 9ZZ": "NR2 9ZZ is not a postcode in use. Check it for typos",
        "M34 3AA": "Gorton and Denton has no MP at the moment: the seat is empty",
    }
    for postcode, message in expected.items():
        response = visit.post("/write", {"postcode": postcode})
        assert response.status_code == 422
        assert message in field_error(response, "postcode")


def test_missing_details_are_each_explained(stall: Callable[..., Visit]) -> None:
    response = stall().post(
        "/letter", {"postcode": "NR2 1AB", "template": "blank", "email": "not an address"}
    )

    assert response.status_code == 422
    assert "Please write your name" in field_error(response, "name")
    assert "Please write your address" in field_error(response, "address")
    assert "does not look like an email address" in field_error(response, "email")
    assert 'aria-invalid="true"' in text_of(response)


# --- The letter is `letter write`'s -----------------------------------------------------------


def cli_letter(fmt: str) -> str:
    result = run(
        "letter", "write", "--offline", "--format", fmt,
        *(f"--{key}={value}" for key, value in VISITOR.items()),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_preview_download_and_print_are_the_letter_that_letter_write_makes(
    stall: Callable[..., Visit],
) -> None:
    visit = stall()
    preview = visit.post("/letter", VISITOR)
    assert preview.status_code == 200
    assert "Dear Clive Lewis," in text_of(preview)

    text = visit.post("/download/txt", VISITOR)
    assert text.get_data(as_text=True) == cli_letter("txt")
    assert 'filename="letter-to-clive-lewis.txt"' in text.headers["Content-Disposition"]

    printed = visit.post("/print", VISITOR)
    assert printed.get_data(as_text=True) == cli_letter("html")

    word = visit.post("/download/docx", VISITOR)
    document = docx.Document(io.BytesIO(word.get_data()))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "Alex Example" in paragraphs
    assert VISITOR["personal"] in paragraphs


def test_the_print_views_styles_are_allowed_by_the_csp(stall: Callable[..., Visit]) -> None:
    import base64
    import hashlib

    printed = stall().post("/print", VISITOR)
    css = re.search(r"<style>(.*?)</style>", printed.get_data(as_text=True), re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in printed.headers["Content-Security-Policy"]


def test_send_from_your_own_email_opens_a_draft_to_the_mp(stall: Callable[..., Visit]) -> None:
    page = stall().post("/letter", VISITOR).get_data(as_text=True)

    href = re.search(r'href="(mailto:[^"]+)"', page).group(1).replace("&amp;", "&")
    address, query = href.removeprefix("mailto:").split("?", 1)
    subject, body = (unquote(part.split("=", 1)[1]) for part in query.split("&"))
    assert address == "clive.lewis.mp@parliament.uk"
    assert subject == "Syria: please act to protect civilians"
    assert body.startswith("Dear Clive Lewis,")
    assert "Alex Example\n1 High Street\nNorwich\nNR2 1AB" in body


def test_an_unknown_download_is_not_found(stall: Callable[..., Visit]) -> None:
    assert stall().post("/download/exe", VISITOR).status_code == 404


# --- The personalisation guard -----------------------------------------------------------------


def test_identical_letters_to_one_mp_are_flagged(stall: Callable[..., Visit]) -> None:
    visit = stall()
    plain = {**VISITOR, "personal": ""}

    first = text_of(visit.post("/letter", plain))
    second = text_of(visit.post("/letter", {**plain, "name": "Sam Other"}))
    own_words = text_of(visit.post("/letter", VISITOR))

    assert "Your letter has no words of your own yet" in first
    assert "word-for-word the same" not in first
    assert "1 other letter from this stall to Clive Lewis is word-for-word the same" in second
    assert "no words of your own" not in own_words


# --- Privacy and security ------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(stall: Callable[..., Visit]) -> None:
    client = stall().client
    for path in ("/write", "/letter", "/print", "/download/txt", "/next"):
        response = client.post(path, data=VISITOR)
        assert response.status_code == 400, path
        assert "This page has expired" in text_of(response)
        assert "Alex Example" not in text_of(response)


def test_next_person_makes_the_last_visitors_pages_stale(stall: Callable[..., Visit]) -> None:
    visit = stall()
    old_token = visit.token
    assert visit.post("/letter", VISITOR).status_code == 200

    response = visit.post("/next", {})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    again = visit.client.post("/letter", data={"csrf_token": old_token, **VISITOR})
    assert again.status_code == 400
    assert "Alex Example" not in text_of(again)


def test_security_headers_allow_nothing_from_elsewhere(stall: Callable[..., Visit]) -> None:
    headers = stall().get("/").headers

    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy  # no other origin anywhere
    assert "upgrade-insecure-requests" not in policy  # a stall on plain http must still work
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers


def test_other_host_names_are_refused_on_this_machine(stall: Callable[..., Visit]) -> None:
    """A page elsewhere cannot reach the stall through a name it controls (DNS rebinding)."""
    visit = stall()
    assert visit.client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert visit.client.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_kiosk_mode_turns_off_autofill(stall: Callable[..., Visit]) -> None:
    kiosk = stall(kiosk=True)
    page = text_of(kiosk.post("/write", {"postcode": "NR2 1AB"}))
    for field in ("name", "address", "email", "personal"):
        assert re.search(rf'id="{field}" [^>]*autocomplete="off"', page), field
    assert 'data-idle="180"' in page
    assert 'http-equiv="refresh" content="180;url=/next"' in page  # without JavaScript too

    personal_laptop = text_of(stall().post("/write", {"postcode": "NR2 1AB"}))
    assert 'autocomplete="name"' in personal_laptop
    assert "data-idle" not in personal_laptop


def test_the_consent_box_starts_unticked(stall: Callable[..., Visit]) -> None:
    page = text_of(stall().post("/write", {"postcode": "NR2 1AB"}))

    box = re.search(r'<input type="checkbox" id="consent"[^>]*>', page).group(0)
    assert "checked" not in box


def test_nothing_is_kept_without_consent(stall: Callable[..., Visit]) -> None:
    from actkit.paths import log_file

    visit = stall()
    visit.post("/letter", VISITOR)

    assert not visit.supporters.path.exists()  # type: ignore[attr-defined]
    assert not log_file().exists()


def test_a_consenting_visitors_letter_is_logged(stall: Callable[..., Visit]) -> None:
    from actkit.logbook import open_logbook

    stall().post("/letter", {**VISITOR, "consent": "yes"})

    with open_logbook() as book:
        letters = book.letters()
    assert [(letter.recipient.name, letter.status) for letter in letters] == [
        ("Clive Lewis", "drafted")
    ]


def test_consenting_visitors_are_listed_once(stall: Callable[..., Visit]) -> None:
    visit = stall()
    visit.post("/letter", {**VISITOR, "consent": "yes"})
    visit.post("/letter", {**VISITOR, "consent": "yes", "template": "thank-you"})

    rows = visit.supporters.rows()  # type: ignore[attr-defined]
    assert [(r["name"], r["postcode"], r["email"], r["mp"]) for r in rows] == [
        ("Alex Example", "NR2 1AB", "alex@example.org", "Clive Lewis")
    ]
    assert rows[0]["template"] == "thank-you"
    assert "address" not in rows[0]  # the address is not kept
    assert visit.supporters.path.stat().st_mode & 0o077 == 0  # type: ignore[attr-defined]


# --- The PIN --------------------------------------------------------------------------------------


def test_pin_guards_every_page_until_given(stall: Callable[..., Visit]) -> None:
    visit = stall(pin="135790")
    response = visit.get("/?template=blank")
    assert response.status_code == 302
    assert response.headers["Location"] == "/pin?next=/?template%3Dblank"

    visit.get("/pin?next=/?template%3Dblank")
    wrong = visit.post("/pin", {"pin": "000000", "next": "/?template=blank"})
    assert wrong.status_code == 422
    assert "That PIN is not right" in text_of(wrong)
    right = visit.post("/pin", {"pin": "135790", "next": "/?template=blank"})
    assert right.status_code == 303
    assert right.headers["Location"] == "/?template=blank"
    assert visit.get("/").status_code == 200


def test_pin_guessing_is_locked_out(stall: Callable[..., Visit]) -> None:
    visit = stall(pin="135790")
    visit.get("/pin")
    for _ in range(5):
        visit.post("/pin", {"pin": "000000"})

    locked = visit.post("/pin", {"pin": "135790"})
    assert locked.status_code == 422
    assert "Too many wrong PINs" in text_of(locked)


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/?template=x", "/?template=x"), ("//evil.example/", "/"), ("https://evil.example", "/")],
)
def test_after_the_pin_only_pages_here(target: str, safe: str) -> None:
    assert _safe_next(target) == safe


# --- The commands ---------------------------------------------------------------------------------


class FakeServer:
    """Stands in for waitress in CLI tests: records how it was made, serves nothing."""

    made: ClassVar[list[tuple[StallSettings, str, int]]] = []

    def __init__(self, settings: StallSettings, *, host: str, port: int, supporters: Any) -> None:
        FakeServer.made.append((settings, host, port))
        self.url = f"http://{host}:{port}/"

    def run(self, *, on_start: Callable[[], None]) -> None:
        on_start()


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> type[FakeServer]:
    FakeServer.made = []
    monkeypatch.setattr("actkit.web.server.StallServer", FakeServer)
    return FakeServer


def test_serve_prints_its_address(fake_server: type[FakeServer]) -> None:
    result = run("serve", "--offline", "--kiosk", "-t", "syria-civilians", "-t", "blank")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "http://127.0.0.1:8765/\n"
    assert "PIN" not in result.stderr
    settings, host, port = fake_server.made[0]
    assert (host, port) == ("127.0.0.1", 8765)
    assert settings.templates == ("syria-civilians", "blank")
    assert settings.offline and settings.kiosk and settings.pin is None


def test_open_opens_the_page_in_a_browser(
    fake_server: type[FakeServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("actkit.web.server.open_browser", opened.append)

    assert run("serve", "--open", "--port", "8800").exit_code == 0
    assert opened == ["http://127.0.0.1:8800/"]


def test_another_host_needs_a_pin(fake_server: type[FakeServer]) -> None:
    result = run("serve", "--host", "0.0.0.0", "--port", "9000")

    settings, _, _ = fake_server.made[0]
    assert settings.pin is not None and re.fullmatch(r"\d{6}", settings.pin)
    assert f"PIN: {settings.pin}" in result.stderr


def test_serve_refuses_an_unknown_template() -> None:
    result = run("serve", "--template", "no-such-letter", "--port", "0")

    assert result.exit_code == 2
    assert "no letter template called 'no-such-letter'" in result.stderr


def test_a_port_in_use_is_refused() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--offline", "--port", str(port))

    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.slow
def test_serve_really_serves(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "actkit", "serve", "--offline", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert "Write to your MP" in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_supporters_export_and_clear(stall: Callable[..., Visit]) -> None:
    listed = supporters_list()
    visit = stall(supporters_file=listed.path)
    visit.post("/letter", {**VISITOR, "consent": "yes"})  # the fixture's own list
    listed.path.parent.mkdir(parents=True, exist_ok=True)
    listed.path.write_text(visit.supporters.path.read_text())  # type: ignore[attr-defined]
    with listed.path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["2026-12-01", "=HYPERLINK(1)", "NR2 1AB", "", "", "", ""])

    exported = run("supporters", "export")
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [r["name"] for r in rows] == ["Alex Example", "'=HYPERLINK(1)"]
    assert "2 supporters in" in exported.stderr

    cleared = run("supporters", "clear")
    assert cleared.exit_code == 0
    assert "(2 supporters)" in cleared.stderr
    assert not listed.path.exists()
