"""The Jinja2 sandbox letter templates run in, with limits on what a render may cost.

Templates travel between groups, so a template is untrusted code. Jinja's immutable
sandbox already stops it reaching Python internals or changing its inputs; this module
adds limits on size and time, because ``{{ "a" * 10**9 }}`` or a chain of ``replace``
filters would otherwise take gigabytes and minutes before anything could say no:

- no value a template builds (by ``*``, ``+``, ``~``, ``%``, ``**``, ``replace``,
  ``center``, ``format``, ...) may exceed ``MAX_TEXT`` characters or items, checked
  *before* the work is done wherever the size can be known in advance;
- a render may produce at most ``MAX_OUTPUT`` characters and take at most
  ``MAX_SECONDS`` seconds (checked at every call, operator and output chunk, and, on
  the main thread of a POSIX system, by a timer that interrupts any loop).

Breaking a limit raises ``TemplateLimit`` (exit 2) naming the limit.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
from collections.abc import Iterator, Sized
from typing import Any

from jinja2 import Environment, nodes
from jinja2.filters import FILTERS
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from actkit.errors import TemplateLimit

MAX_TEXT = 500_000
"""Characters (or items) in any one value a template builds: about 150 pages."""
MAX_OUTPUT = 500_000
"""Characters a render may produce."""
MAX_SECONDS = 5.0
"""Seconds a single render may take (a letter takes milliseconds)."""
MAX_POWER_BITS = 4_096
"""``**`` on whole numbers: results up to about 1,200 digits."""

CONCAT_FUNCTION = "_actkit_concat"
# A width or precision of a million or more in a format string ("%1000000d", "{:>9999999}").
_HUGE_FORMAT_NUMBER = re.compile(r"\d{7,}")
# str methods whose result size is known from their arguments.
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_FORMAT_METHODS = frozenset({"format", "format_map"})


class _Deadline(threading.local):
    expires: float | None = None


_deadline = _Deadline()


def _check_time() -> None:
    expires = _deadline.expires
    if expires is not None and time.monotonic() > expires:
        raise TemplateLimit(f"the template took longer than {MAX_SECONDS:g} seconds to render")


def check_size(value: Any) -> Any:
    """Return ``value``, or refuse it when it is larger than ``MAX_TEXT``."""
    if isinstance(value, Sized) and not isinstance(value, dict) and len(value) > MAX_TEXT:
        raise _too_big(len(value))
    return value


def _too_big(size: int) -> TemplateLimit:
    return TemplateLimit(
        f"the template builds a value of {size:,} characters or items (the limit is {MAX_TEXT:,})"
    )


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple, bytes)) else 0


def _check_format_string(value: Any) -> None:
    if isinstance(value, str) and _HUGE_FORMAT_NUMBER.search(value):
        raise TemplateLimit("the template formats a value with a width of a million or more")


def _check_repeat(left: Any, right: Any) -> None:
    for sequence, count in ((left, right), (right, left)):
        if isinstance(count, int) and _length(sequence):
            _check_total(_length(sequence) * max(count, 0))


def _check_total(size: int) -> None:
    if size > MAX_TEXT:
        raise _too_big(size)


def _check_power(base: Any, exponent: Any) -> None:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and abs(base).bit_length() * exponent > MAX_POWER_BITS
    ):
        raise TemplateLimit("the template computes a number too large for a letter")


def _replace_size(text: str, old: Any, new: Any, count: Any = -1) -> int:
    if not (isinstance(old, str) and isinstance(new, str)):
        return len(text)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def concat(values: tuple[Any, ...]) -> str:
    """``a ~ b``: the parts' sizes are checked before they are joined."""
    _check_time()
    parts = [str(value) for value in values]
    _check_total(sum(map(len, parts)))
    return "".join(parts)


class _CheckConcat(NodeTransformer):
    """Compile ``a ~ b`` as a call to ``concat``, which checks the size first."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(
            nodes.Name(CONCAT_FUNCTION, "load"),
            [nodes.Tuple(node.nodes, "load")],
            [],
            None,
            None,
            lineno=node.lineno,
        )


def bound_tree(tree: nodes.Template) -> nodes.Template:
    """The parsed template with every ``~`` size-checked (see ``compile_bounded``)."""
    result = _CheckConcat().visit(tree)
    assert isinstance(result, nodes.Template)
    return result


def _bounded_filter(name: str) -> Any:
    original = FILTERS[name]

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_time()
        # Filters that take the environment or context get it first; find the value.
        values = [a for a in args if not isinstance(a, (Environment, Context, EvalContext))]
        if name == "replace" and len(values) >= 3 and isinstance(values[0], str):
            _check_total(_replace_size(values[0], *values[1:4]))
        elif name in ("center", "indent", "wordwrap", "truncate") and len(values) >= 2:
            width = values[1]
            if isinstance(width, int):
                _check_total(width)
            if name == "indent" and isinstance(values[0], str) and isinstance(width, int):
                _check_total(len(values[0]) + (values[0].count("\n") + 1) * max(width, 0))
        elif name == "format" and values:
            _check_format_string(values[0])
        elif name == "join" and len(values) >= 2 and isinstance(values[1], str):
            _check_join(values[1], values[0])
        return check_size(original(*args, **kwargs))

    bounded.__dict__.update(original.__dict__)  # keeps pass_environment / pass_context
    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with limits on the size of values and on time."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in ("replace", "center", "indent", "wordwrap", "format", "truncate", "join"):
            self.filters[name] = _bounded_filter(name)
        self.globals[CONCAT_FUNCTION] = concat

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_time()
        if operator == "*":
            _check_repeat(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "+":
            _check_total(_length(left) + _length(right))
        elif operator == "%":
            _check_format_string(left)
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_time()
        owner = getattr(__obj, "__self__", None)
        method = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if method == "replace" and len(args) >= 2:
                _check_total(_replace_size(owner, *args[:3]))
            elif method in _PADDING_METHODS and args and isinstance(args[0], int):
                _check_total(args[0])
            elif method == "expandtabs":
                _check_total(
                    len(owner) * max(args[0] if args and isinstance(args[0], int) else 8, 1)
                )
            elif method == "join" and args:
                _check_join(owner, args[0])
        if method in _FORMAT_METHODS:
            _check_format_string(owner)
        return check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _check_time()
        value = super().getattr(obj, attribute)
        if attribute in _FORMAT_METHODS and isinstance(obj, str):
            _check_format_string(obj)
        return value


def _check_join(separator: str, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        _check_total(len(separator) * len(items) + sum(len(str(item)) for item in items[:10_000]))


def render_bounded(compiled: Any, context: dict[str, Any]) -> str:
    """Render ``compiled`` within ``MAX_OUTPUT`` characters and ``MAX_SECONDS`` seconds."""
    pieces: list[str] = []
    size = 0
    with _time_limit():
        for piece in compiled.generate(**context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateLimit(
                    f"the template's output is longer than {MAX_OUTPUT:,} characters"
                )
            pieces.append(piece)
            _check_time()
    return "".join(pieces)


@contextlib.contextmanager
def _time_limit() -> Iterator[None]:
    """Set the deadline; on the main thread of a POSIX system, also arm a timer that
    interrupts a loop which never calls back into the sandbox."""
    outer = _deadline.expires
    _deadline.expires = time.monotonic() + MAX_SECONDS
    use_timer = (
        outer is None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    previous: Any = None
    if use_timer:

        def expired(_signal: int, _frame: Any) -> None:
            raise TemplateLimit(f"the template took longer than {MAX_SECONDS:g} seconds to render")

        try:
            previous = signal.signal(signal.SIGALRM, expired)
            signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS + 0.5)
        except ValueError:  # not the main interpreter: the deadline checks still hold
            use_timer = False
    try:
        yield
    finally:
        if use_timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _deadline.expires = outer
