"""The one place actkit talks HTTP.

A cached session (requests-cache, SQLite in the cache directory) with connect and read
timeouts, a User-Agent naming actkit, and bounded retries with backoff on connection
errors, read timeouts, 429 and 5xx, honouring Retry-After up to a minute. Everything that
goes wrong on the wire becomes ``ServiceUnavailable`` naming the service and the problem.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests  # noqa: TID251  # this module is the HTTP choke point
from requests.adapters import HTTPAdapter  # noqa: TID251
from urllib3.exceptions import MaxRetryError, NameResolutionError
from urllib3.util.retry import Retry

from actkit import __version__
from actkit.errors import ServiceUnavailable
from actkit.paths import cache_dir

UNUSED_SERIALIZERS = ("yaml", "tomlkit", "bson", "ujson", "orjson")
"""Libraries requests-cache imports, if installed, for serializers actkit never uses (the
cache is SQLite with the default serializer): about 20 ms a live lookup need not pay."""


@contextlib.contextmanager
def _hidden(modules: tuple[str, ...]) -> Iterator[None]:
    """Make ``import`` of these modules fail for a moment, unless already imported.

    requests-cache treats an optional library that fails to import as not installed;
    afterwards the modules import normally for whoever needs them (actkit reads YAML).
    """
    hidden = [name for name in modules if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # documented: import fails
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


with _hidden(UNUSED_SERIALIZERS):
    import requests_cache  # noqa: TID251

USER_AGENT = f"actkit/{__version__} (advocacy command-line tool)"
TIMEOUT = (3.05, 10.0)
"""(connect, read) seconds."""
RETRIES = 3
BACKOFF_FACTOR = 0.5
"""Sleeps 0.5 s, 1 s, 2 s between attempts (urllib3 backoff)."""
MAX_RETRY_AFTER = 60.0
"""A server asking us to wait longer than this is treated as unavailable: the Members API
throttles heavy clients for close to an hour, and nobody waits that long at a prompt."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CACHE_FILE = "http-cache.sqlite"


def cache_path() -> Path:
    return cache_dir() / CACHE_FILE


class RetryAfterTooLong(Exception):
    """The server asked for a pause longer than MAX_RETRY_AFTER."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"asked to wait {seconds:.0f} s")
        self.seconds = seconds


class _BoundedRetry(Retry):
    """urllib3 Retry that gives up at once on a long Retry-After or a failed DNS lookup."""

    def increment(  # type: ignore[override]
        self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any
    ) -> Retry:
        error = kwargs.get("error")
        if isinstance(error, NameResolutionError):
            # No DNS nearly always means no network: retrying only delays the offline answer.
            pool: Any = kwargs.get("_pool")
            raise MaxRetryError(pool, url or "", reason=error) from error
        return super().increment(method, url, *args, **kwargs)

    def sleep_for_retry(self, response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after is not None and retry_after > MAX_RETRY_AFTER:
            raise RetryAfterTooLong(retry_after)
        return bool(super().sleep_for_retry(response))


@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    body: Any
    """Decoded JSON, or None when a non-200 answer had no JSON body."""
    from_cache: bool


@dataclass(frozen=True, slots=True)
class TextResponse:
    status: int
    content: bytes
    """The body as sent: XML declares its own encoding, so it is parsed from bytes (a
    ``text/xml`` answer without a charset would otherwise be read as Latin-1)."""
    from_cache: bool


class HttpClient:
    """A cached, retrying JSON client. One per command; share it between lookups."""

    def __init__(self, *, use_cache: bool = True) -> None:
        self._session = _make_session(use_cache)
        self.requests_sent: dict[str, int] = {}
        """Requests that went to the network (not the cache), by service: for reports."""
        self._down: dict[str, ServiceUnavailable] = {}
        """Services that failed after every retry: asked no more in this run, so a batch
        falls back to offline data at once instead of retrying every remaining request."""

    def get_json(
        self,
        service: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        expire_after: timedelta,
    ) -> JsonResponse:
        return self._send(service, "GET", url, params=params, expire_after=expire_after)

    def get_text(
        self,
        service: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        expire_after: timedelta,
        accept: str = "application/xml, text/xml",
    ) -> TextResponse:
        """A GET for a service that answers in XML (the Senedd's Modern.gov service)."""
        if service in self._down:
            raise self._down[service]
        try:
            response = self._request(
                "GET", url, expire_after, params=params, headers={"Accept": accept}
            )
        except RetryAfterTooLong as error:
            raise self._mark_down(
                service, ServiceUnavailable(service, f"rate limited ({error})")
            ) from None
        except requests.RequestException as error:
            raise self._mark_down(service, ServiceUnavailable(service, _describe(error))) from None
        from_cache = bool(getattr(response, "from_cache", False))
        if not from_cache:
            self.requests_sent[service] = self.requests_sent.get(service, 0) + 1
        if response.status_code in RETRY_STATUSES:
            raise self._mark_down(
                service,
                ServiceUnavailable(service, f"HTTP {response.status_code} after {RETRIES} retries"),
            )
        return TextResponse(
            status=response.status_code, content=response.content, from_cache=from_cache
        )

    def _mark_down(self, service: str, error: ServiceUnavailable) -> ServiceUnavailable:
        self._down.setdefault(service, error)
        return error

    def post_json(
        self,
        service: str,
        url: str,
        payload: Any,
        *,
        params: dict[str, Any] | None = None,
        expire_after: timedelta,
    ) -> JsonResponse:
        return self._send(
            service, "POST", url, json=payload, params=params, expire_after=expire_after
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, service: str, method: str, url: str, **kwargs: Any) -> JsonResponse:
        if service in self._down:
            raise self._down[service]
        try:
            return self._send_once(service, method, url, **kwargs)
        except ServiceUnavailable as error:
            self._down.setdefault(service, error)
            raise

    def _send_once(self, service: str, method: str, url: str, **kwargs: Any) -> JsonResponse:
        expire_after = kwargs.pop("expire_after")
        try:
            response = self._request(method, url, expire_after, **kwargs)
        except RetryAfterTooLong as error:
            raise ServiceUnavailable(service, f"rate limited ({error})") from None
        except requests.RequestException as error:
            raise ServiceUnavailable(service, _describe(error)) from None
        from_cache = bool(getattr(response, "from_cache", False))
        if not from_cache:
            self.requests_sent[service] = self.requests_sent.get(service, 0) + 1
        return _decode(service, response, from_cache)

    def _request(
        self, method: str, url: str, expire_after: timedelta, **kwargs: Any
    ) -> requests.Response:
        if not isinstance(self._session, requests_cache.CachedSession):
            return self._session.request(method, url, timeout=TIMEOUT, **kwargs)
        try:
            return self._session.request(
                method, url, timeout=TIMEOUT, expire_after=expire_after, **kwargs
            )
        except sqlite3.Error:
            # A damaged or locked cache is only a cache: carry on without it.
            self._session.close()  # type: ignore[no-untyped-call]
            self._session = _make_session(use_cache=False)
            return self._session.request(method, url, timeout=TIMEOUT, **kwargs)


def _decode(service: str, response: requests.Response, from_cache: bool) -> JsonResponse:
    if response.status_code in RETRY_STATUSES:
        raise ServiceUnavailable(
            service,
            f"HTTP {response.status_code} {response.reason or ''}".strip()
            + f" after {RETRIES} retries",
        )
    body = _json_or_none(response.content)
    if response.status_code == 200 and body is None:
        raise ServiceUnavailable(service, "it answered with malformed JSON")
    return JsonResponse(status=response.status_code, body=body, from_cache=from_cache)


def _json_or_none(content: bytes) -> Any:
    try:
        # The Parliament APIs may prefix a byte order mark; utf-8-sig tolerates both.
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None


def _cacheable(response: requests.Response) -> bool:
    """Only well-formed JSON (or XML) is worth keeping: never cache a garbled answer."""
    if _json_or_none(response.content) is not None:
        return True
    return "xml" in response.headers.get("Content-Type", "") and _is_xml(response.content)


def _is_xml(content: bytes) -> bool:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        ElementTree.fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException):
        return False
    return True


def _cached_session() -> requests.Session:
    path = cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return requests_cache.CachedSession(
        str(path),
        backend="sqlite",
        allowable_methods=("GET", "POST"),
        allowable_codes=(200,),
        filter_fn=_cacheable,
        # A batch saves hundreds of answers: write-ahead logging without waiting for the
        # disk on every one. A power cut can cost the newest entries of a cache, which is
        # only a cache; a damaged one is bypassed (see _make_session and _request).
        wal=True,
        fast_save=True,
    )


def _make_session(use_cache: bool) -> requests.Session:
    session: requests.Session
    try:
        session = _cached_session() if use_cache else requests.Session()
    except (sqlite3.Error, OSError):
        # A damaged cache, or a cache folder that cannot be written, is only a cache.
        session = requests.Session()
    retry = _BoundedRetry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES,
        status=RETRIES,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


def _describe(error: requests.RequestException) -> str:
    """A short, human description of a network failure."""
    text = repr(error)
    if isinstance(error, requests.Timeout) or "timed out" in text.lower():
        return "it did not answer in time"
    if "NameResolution" in text or "getaddrinfo" in text or "Name or service" in text:
        return "its address could not be resolved (no internet connection?)"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "the connection was refused"
    if isinstance(error, requests.ConnectionError):
        return "it could not be reached"
    return type(error).__name__


def cache_info() -> dict[str, Any]:
    """What is in the HTTP cache: path, size, response counts by host."""
    path = cache_path()
    info: dict[str, Any] = {"path": str(path), "exists": path.exists(), "size_bytes": 0}
    info.update(responses=0, by_host={}, damaged=False)
    if not path.exists():
        return info
    info["size_bytes"] = sum(p.stat().st_size for p in path.parent.glob(f"{CACHE_FILE}*"))
    try:
        session = requests_cache.CachedSession(str(path), backend="sqlite")
    except sqlite3.Error:
        info["damaged"] = True  # lookups carry on without it; `cache clear` removes it
        return info
    try:
        by_host: dict[str, int] = {}
        for response in session.cache.responses.values():
            host = urlsplit(response.url).netloc
            by_host[host] = by_host.get(host, 0) + 1
        info["responses"] = sum(by_host.values())
        info["by_host"] = dict(sorted(by_host.items()))
    except sqlite3.Error:
        info["damaged"] = True  # lookups carry on without it; `cache clear` removes it
    finally:
        session.close()  # type: ignore[no-untyped-call]
    return info


def clear_cache() -> int:
    """Delete the HTTP cache; return how many responses it held."""
    count = int(cache_info()["responses"])
    for part in cache_path().parent.glob(f"{CACHE_FILE}*"):
        part.unlink()
    return count
