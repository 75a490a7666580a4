"""Serving the stall's pages with waitress, a production WSGI server in pure Python."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from typing import Any

from actkit.web.app import create_app
from actkit.web.stall import StallSettings, SupportersList

THREADS = 4
"""A stall has a few tablets at most; lookups wait on the network, not the CPU."""


class StallServer:
    """A bound (not yet running) server: its address is known before it starts."""

    def __init__(
        self,
        settings: StallSettings,
        *,
        host: str,
        port: int,
        supporters: SupportersList | None,
    ) -> None:
        from waitress import create_server

        app = create_app(settings, host=host, supporters=supporters)
        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=THREADS,
            ident="actkit",
            clear_untrusted_proxy_headers=True,
        )
        self.host = host
        self.port: int = self._server.effective_port

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/"

    def run(self, *, on_start: Callable[[], None] | None = None) -> None:
        """Serve until interrupted (Ctrl-C) or ``close``."""
        if on_start is not None:
            on_start()
        try:
            self._server.run()
        finally:
            self.close()

    def run_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self._server.run, name="actkit-serve", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._server.close()


def open_browser(url: str) -> None:
    """Open the page in the default browser, without holding up the server."""
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
