"""``actkit serve`` in a real browser: Debian's Chromium, driven by Playwright.

Every test runs a stall server on 127.0.0.1 (offline data, so nothing needs the
internet) and watches every request the browser makes: none may leave this machine.
Accessibility is checked with axe-core, injected from the copy in tests/vendor.

Without a Chromium these tests are skipped on a developer's machine, and fail in CI
(``CI`` set), where ``.ci/run`` installs one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from actkit.web.server import StallServer
from actkit.web.stall import StallSettings, supporters_list

playwright_api = pytest.importorskip("playwright.sync_api")

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SOURCE = AXE.read_text(encoding="utf-8") if AXE.exists() else ""
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VISITOR = {
    "postcode": "nr2 1ab",
    "name": "Alex Example",
    "address": "1 High Street, Norwich",
    "email": "alex@example.org",
    "personal": "I volunteer with refugees from Idlib at the Norwich drop-in.",
}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ACTKIT_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "no Chromium: apt-get install chromium (or set ACTKIT_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        # Playwright gives the browser a fresh profile in a temporary folder of its own.
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Stall:
    """A running stall server and a browser tab watched for requests that leave it."""

    def __init__(self, server: StallServer, page: Any, requested: list[str]) -> None:
        self.server = server
        self.page = page
        self.requested = requested
        self.refused: list[str] = []
        """Console messages about anything the Content-Security-Policy blocked."""
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)

    @property
    def url(self) -> str:
        return self.server.url

    def elsewhere(self) -> list[str]:
        """Requests for anything not on this machine, and anything the CSP had to block."""
        away = [u for u in self.requested if urlsplit(u).hostname not in ("127.0.0.1", None)]
        return away + self.refused


@pytest.fixture
def open_stall(browser: Any, tmp_path: Path) -> Iterator[Callable[..., Stall]]:
    started: list[tuple[StallServer, Any]] = []

    def start(*, javascript: bool = True, width: int = 1024, **settings: Any) -> Stall:
        supporters = supporters_list()
        chosen = StallSettings(offline=True, supporters_file=supporters.path, **settings)
        server = StallServer(chosen, host="127.0.0.1", port=0, supporters=supporters)
        server.run_in_thread()
        context = browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": 800},
            accept_downloads=True,
        )
        started.append((server, context))
        requested: list[str] = []

        def watch(route: Any) -> None:
            url = route.request.url
            requested.append(url)
            host = urlsplit(url).hostname
            if host == "127.0.0.1" or url.startswith(("data:", "about:")):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", watch)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return Stall(server, page, requested)

    yield start
    for server, context in started:
        context.close()
        server.close()


def check_accessible(page: Any) -> None:
    """axe-core's WCAG 2.2 A and AA rules find nothing on the page as it is."""
    # Through the DevTools protocol: the page's own CSP rightly refuses a script tag.
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    problems = [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]
    assert problems == []


def fits_width(page: Any) -> bool:
    """No sideways scrolling: WCAG's reflow at 320-360 CSS pixels."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def tab_to(page: Any, selector: str, *, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle + ' ' + s.outlineWidth; }"
            )
            assert not outline.startswith("none"), f"{selector} has no visible focus"
            return
    raise AssertionError(f"Tab never reached {selector}")


def fill_in_letter(page: Any, url: str, template: str = "syria-civilians") -> None:
    """The visitor's whole flow with the mouse and keyboard, up to the preview."""
    page.goto(f"{url}?template={template}")
    page.get_by_label("Your postcode").fill(VISITOR["postcode"])
    page.get_by_role("button", name="Find my MP").click()
    page.get_by_label("Your full name").fill(VISITOR["name"])
    page.get_by_label("Your address").fill(VISITOR["address"])
    page.get_by_label("Your email address (optional)").fill(VISITOR["email"])
    page.get_by_label("In your own words (optional)").fill(VISITOR["personal"])
    page.get_by_role("button", name="Preview my letter").click()
    page.get_by_role("heading", name="Your letter to Clive Lewis MP").wait_for()


# --- The visitor's flow ---------------------------------------------------------------------


def test_whole_flow_by_keyboard_alone_is_accessible_and_stays_on_this_machine(
    open_stall: Callable[..., Stall],
) -> None:
    stall = open_stall()
    page = stall.page
    page.goto(f"{stall.url}?template=syria-civilians")
    check_accessible(page)

    tab_to(page, "#postcode")
    page.keyboard.type(VISITOR["postcode"])
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your MP is Clive Lewis MP").wait_for()
    assert "Norwich South" in page.inner_text("main")
    assert "offline data of 27 June 2026" in page.inner_text("main")
    # The leaflet's campaign came through the query string: already chosen.
    assert page.is_checked("#template-syria-civilians")
    check_accessible(page)

    for field in ("name", "address", "email", "personal"):
        tab_to(page, f"#{field}")
        page.keyboard.type(VISITOR[field])
    tab_to(page, "form[action='/letter'] button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your letter to Clive Lewis MP").wait_for()

    letter = page.inner_text("article.page")
    assert "Alex Example" in letter
    assert VISITOR["personal"] in letter
    assert "Dear Clive Lewis" in letter
    assert "References" in letter
    check_accessible(page)
    mailto = page.get_attribute("a[href^='mailto:']", "href")
    assert mailto.startswith("mailto:clive.lewis.mp@parliament.uk?subject=")
    assert stall.elsewhere() == []


def test_errors_are_explained_next_to_the_field(open_stall: Callable[..., Stall]) -> None:
    stall = open_stall()
    page = stall.page
    cases = {
        "NR2 1A": "does not look like a UK postcode",
        "JE2 4WD": "Channel Islands, which have no MP at Westminster",
        "BT1 1AA": "Northern Ireland",
    }
    for postcode, expected in cases.items():
        page.goto(stall.url)
        page.get_by_label("Your postcode").fill(postcode)
        page.get_by_role("button", name="Find my MP").click()
        page.wait_for_load_state()  # the page's script has run
        error = page.locator("#postcode-error")
        assert expected in error.inner_text()
        assert page.get_attribute("#postcode", "aria-invalid") == "true"
        assert "postcode-error" in page.get_attribute("#postcode", "aria-describedby")
        assert page.title().startswith("Error:")
        # The summary takes the focus, so a screen reader reads the problem first.
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check_accessible(page)

    page.get_by_label("Your postcode").fill("NR2 1AB")
    page.get_by_role("button", name="Find my MP").click()
    page.get_by_role("button", name="Preview my letter").click()
    assert "Please choose which letter" in page.inner_text("#template-error")
    assert "Please write your name" in page.inner_text("#name-error")
    assert "Please write your address" in page.inner_text("#address-error")
    check_accessible(page)


def test_narrow_screen_and_no_javascript(open_stall: Callable[..., Stall]) -> None:
    """A 360-pixel phone with scripts off: plain forms do everything, nothing scrolls sideways."""
    stall = open_stall(javascript=False, width=360)
    page = stall.page
    page.goto(stall.url)
    assert fits_width(page)
    fill_in_letter(page, stall.url)
    assert fits_width(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download (.txt)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("Alex Example\n1 High Street\nNorwich\nNR2 1AB\n")
    assert download.value.suggested_filename == "letter-to-clive-lewis.txt"

    # Without scripts, "Print" opens the letter's own A4 page, as --format html makes it.
    page.get_by_role("button", name="Print the letter").click()
    page.locator("main.page").wait_for()
    assert page.title() == "Syria: please act to protect civilians"
    assert stall.elsewhere() == []


# --- Print ----------------------------------------------------------------------------------


def _boxes(page: Any, root: str) -> dict[str, tuple[float, float]]:
    boxes = {}
    for part in (".sender", ".date", ".recipient", ".body", ".references"):
        box = page.locator(f"{root} {part}").bounding_box()
        boxes[part] = (
            round(box["x"] - page.locator(root).bounding_box()["x"]),
            round(box["width"]),
        )
    return boxes


def test_print_gives_the_same_a4_letter_as_format_html(
    open_stall: Callable[..., Stall], tmp_path: Path
) -> None:
    stall = open_stall()
    page = stall.page
    fill_in_letter(page, stall.url)
    page.emulate_media(media="print")
    # Only the letter prints: no header, buttons or footer.
    for hidden in ("header.site", "footer.site", ".actions", ".finish"):
        assert not page.locator(hidden).is_visible()
    preview = _boxes(page, "article.page")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "print.png"), full_page=True)

    page.emulate_media(media="screen")
    with page.expect_navigation():
        page.evaluate("document.querySelector('[data-print]').closest('form').submit()")
    page.emulate_media(media="print")
    standalone = _boxes(page, "main.page")
    # Same blocks in the same places across the A4 width (loosely: a pixel either way).
    for part, (x, width) in preview.items():
        other_x, other_width = standalone[part]
        assert abs(x - other_x) <= 1 and abs(width - other_width) <= 1, part
    assert standalone[".sender"][1] > 400  # the A4 text width, not a phone's


# --- Kiosk mode ----------------------------------------------------------------------------


def test_kiosk_next_person_leaves_nothing_behind(open_stall: Callable[..., Stall]) -> None:
    stall = open_stall(kiosk=True)
    page = stall.page
    page.goto(stall.url)
    assert page.get_attribute("#postcode", "autocomplete") == "off"
    fill_in_letter(page, stall.url)
    page.get_by_role("button", name="Next person").click()
    page.get_by_role("heading", name="Write to your MP").wait_for()
    assert page.input_value("#postcode") == ""
    assert "Alex Example" not in page.content()
    assert page.evaluate("window.localStorage.length + window.sessionStorage.length") == 0

    # The browser's Back button cannot bring the last visitor's letter back.
    page.go_back()
    page.go_back()
    assert "Alex Example" not in page.content()
    page.goto(stall.url)
    with page.expect_navigation():
        # Resubmitting an old page (as "Confirm form resubmission" would) is refused.
        page.evaluate(
            """() => { const f = document.createElement('form'); f.method = 'post';
                 f.action = '/letter'; document.body.append(f); f.submit(); }"""
        )
    assert "This page has expired" in page.inner_text("main")
    assert stall.elsewhere() == []


def test_kiosk_goes_blank_when_left_idle_after_a_warning(open_stall: Callable[..., Stall]) -> None:
    stall = open_stall(kiosk=True, idle_seconds=4)
    page = stall.page
    page.goto(stall.url)
    page.get_by_label("Your postcode").fill("SW1A 1AA")
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    warning.wait_for(timeout=5_000)
    assert page.evaluate("document.activeElement.textContent") == "I am still here"
    page.keyboard.press("Enter")  # a simple action gives more time (WCAG 2.2.1)
    assert not warning.is_visible()
    assert page.input_value("#postcode") == "SW1A 1AA"

    with page.expect_navigation(timeout=9_000):
        pass  # nobody touches the page again
    page.get_by_label("Your postcode").wait_for()
    assert page.url == stall.url
    assert page.input_value("#postcode") == ""
    assert "SW1A 1AA" not in page.content()


# --- The PIN ---------------------------------------------------------------------------------


def test_pin_is_asked_once_per_browser(open_stall: Callable[..., Stall]) -> None:
    stall = open_stall(pin="246810")
    page = stall.page
    page.goto(f"{stall.url}?template=blank")
    page.get_by_role("heading", name="Enter the stall's PIN").wait_for()
    check_accessible(page)
    page.get_by_label("PIN").fill("111111")
    page.get_by_role("button", name="Continue").click()
    assert "That PIN is not right" in page.inner_text("main")

    page.get_by_label("PIN").fill("246810")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your postcode").wait_for()
    assert page.url.endswith("/?template=blank")  # back where the visitor was going
    page.goto(stall.url)
    assert page.get_by_label("Your postcode").is_visible()
    assert stall.elsewhere() == []
