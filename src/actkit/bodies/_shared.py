"""Small helpers the body adapters share: tolerant readers and the member-list memo."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Generic, TypeVar

from actkit.errors import ServiceUnavailable

MEMBER_LIST_LIFETIME = timedelta(days=1)
"""A cached member list younger than this is used without asking the service."""
POSTCODE_LIFETIME = timedelta(days=30)

T = TypeVar("T")


def text(value: Any) -> str | None:
    """A stripped string, or None for anything else (the services mix nulls and "")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def rows(service: str, body: Any, what: str) -> list[Mapping[str, Any]]:
    """A JSON collection that must be a list of objects (extra keys are fine)."""
    if not isinstance(body, list):
        raise ServiceUnavailable(service, f"unexpected response shape ({what} is not a list)")
    return [row for row in body if isinstance(row, Mapping)]


def reverse_list_name(name: str) -> str:
    """ "Swinney, John" → "John Swinney"; anything without a comma as it is."""
    surname, comma, forenames = name.partition(",")
    return f"{forenames.strip()} {surname.strip()}".strip() if comma else name.strip()


class Once(Generic[T]):
    """A value computed on first use and kept for the run, safe across threads: each
    member list is fetched once per run whatever the number of postcodes."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._value: T | None = None
        self._error: Exception | None = None

    def get(self) -> T:
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._value is None:
                try:
                    self._value = self._make()
                except ServiceUnavailable as error:
                    self._error = error  # a service that failed is not asked again this run
                    raise
            return self._value
