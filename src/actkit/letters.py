"""Rendering a letter to an MP from a template, with numbered citations.

Templates are data that travel between groups, so they run in Jinja2's immutable sandbox
with ``StrictUndefined``: a template cannot reach Python internals, change its inputs, or
silently print nothing for a misspelt variable. User-supplied values are escaped for
Markdown before they reach the template, so a name or a personal paragraph cannot add
headings, links or citations of its own.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.visitor import NodeTransformer

from actkit.errors import EmptyLetter, FactsProblem, TemplateLimit, TemplateProblem
from actkit.facts import Fact, stale_facts
from actkit.models import MP, Constituency, Lookup, Source
from actkit.sandbox import BoundedSandbox, bound_tree, render_bounded
from actkit.templates import LetterTemplate
from actkit.text import format_date, multi_line, one_line, salutation_name

DEFAULT_MAX_FACT_AGE_DAYS = 730

# Citation markers travel through Markdown as private-use characters around the number;
# each output format turns them into its own style ("[1]", <sup>, a superscript run).
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
CITATION = re.compile(f"{MARK_OPEN}(\\d+){MARK_CLOSE}")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# Characters that could start Markdown syntax inside a user's text.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~&!])")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])", flags=re.MULTILINE)
_MD_BLOCK_START = re.compile(r"^(\s*)([-+=>])", flags=re.MULTILINE)


_NEEDS_ESCAPE = re.compile(r"[\\`*_\[\]<>#|~&!\ue000-\uf8ff]|^\s*([-+=>]|\d+[.)])", re.MULTILINE)


def markdown_escape(text: str) -> str:
    """Make user text literal in Markdown (and strip anything that looks like a citation)."""
    if not _NEEDS_ESCAPE.search(text):
        return text  # most names and addresses: nothing to do
    text = _PRIVATE_USE.sub("", text)
    text = _MD_INLINE.sub(r"\\\1", text)
    # A digit cannot be escaped in CommonMark: escape the "." or ")" that makes a list.
    text = _MD_ORDERED.sub(r"\1\\\2", text)
    return _MD_BLOCK_START.sub(r"\1\\\2", text)


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    address: tuple[str, ...]
    postcode: str
    email: str | None = None

    @property
    def postal_lines(self) -> tuple[str, ...]:
        """Address lines ending with the postcode (added unless already the last line)."""
        lines = self.address
        if not lines or lines[-1].replace(" ", "").upper() != self.postcode.replace(" ", ""):
            lines = (*lines, self.postcode)
        return lines

    @property
    def letterhead(self) -> tuple[str, ...]:
        """Name, postal address and (if given) email: the top of every printed letter."""
        return (self.name, *self.postal_lines, *((self.email,) if self.email else ()))


@dataclass(frozen=True, slots=True, eq=False)  # identity, like Fact: cheap to hash
class Reference:
    number: int
    fact: Fact


RECIPIENT_SLOT = 16
"""In a ``GenericForm``'s parts, an int below this is a row value's index (as in
``SharedForm.parts``), and ``RECIPIENT_SLOT + k`` is the recipient's value ``k``
(``SharedForm.recipient_values``)."""


@dataclass(eq=False)
class GenericForm:
    """A body rendered once for every recipient (and every sender) of one shape, with
    both the sender's and the recipient's values left as slots. Each recipient's
    ``SharedForm`` is this with their values filled in; output formats may lay this out
    once and fill in each recipient's values (``formats.letters``)."""

    parts: tuple[str | int, ...]
    layouts: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class SharedForm:
    """A letter to one recipient, rendered once for every sender whose values have the
    same shape (which of them are empty), with the sender's values left as slots.

    A batch's letters to one MP refer to it (``BodyForm``); output formats keep their
    layout of it in ``layouts``, so each format lays the shared text out once and only
    fills in each sender's values ("render once, fill many").
    """

    parts: tuple[str | int, ...]
    """Text, the index of a row value, text, ...: the body with the sender's values out."""
    cited: tuple[str, ...]
    references: tuple[Reference, ...]
    warnings: tuple[str, ...]
    words: bytes
    """The body's words less names and addresses, for ``Letter.form_digest``."""
    mp: MP
    constituency: Constituency
    date: date
    layouts: dict[str, Any] = field(default_factory=dict)
    """Each output format's layout of this form, made when first needed."""
    generic: GenericForm | None = None
    """The form this one fills in with the recipient's values, when there is one."""
    recipient_values: tuple[str, ...] = ()
    """The recipient's values in the generic form's slots (escaped Markdown, one line)."""


@dataclass(frozen=True, slots=True, eq=False)  # identity: compared and hashed per letter
class BodyForm:
    """A letter's ``SharedForm`` and the values that fill it."""

    shared: SharedForm
    values: tuple[str, ...]
    body: str
    """The filled body, as the letter has it (``Letter.form`` checks the two agree)."""


@dataclass(frozen=True, slots=True)
class Letter:
    template: str
    subject: str
    date: date
    sender: Sender
    mp: MP
    constituency: Constituency
    body: str
    """Markdown, with citation markers (see ``CITATION``)."""
    references: tuple[Reference, ...]
    source: Source = "live"
    has_personal: bool = False
    warnings: tuple[str, ...] = field(default=())
    form_digest: bytes = b""
    """A digest of the letter's words less the sender's and the MP's names and addresses.
    Letters from one renderer with the same digest are identical once those are taken out
    (batch personalisation reports use it)."""
    body_id: str = "commons"
    """The recipient's body (``actkit.bodies``), e.g. "commons" or "senedd"."""
    role: str = "MP"
    """The recipient's role in it: "MP", "constituency MSP", "MS", ..."""
    body_form: BodyForm | None = field(default=None, compare=False, repr=False)
    """How ``body`` was filled in, when the renderer rendered it once for many letters."""

    @property
    def form(self) -> BodyForm | None:
        """``body_form`` if it still describes this letter (a copy made with another body,
        recipient, date or references keeps the old form: it is then ignored)."""
        form = self.body_form
        if form is None:
            return None
        shared = form.shared
        same = (
            form.body is self.body
            and shared.mp is self.mp
            and shared.constituency is self.constituency
            and shared.references is self.references
            and shared.date == self.date
        )
        return form if same else None

    @property
    def date_text(self) -> str:
        return format_date(self.date)

    @property
    def recipient_lines(self) -> tuple[str, ...]:
        return (self.mp.full_title, *self.mp.postal_address)


# Inside a rendered body a citation is first the fact's id between two more private-use
# characters; numbering them afterwards, in order of appearance, is the same as numbering
# in order of use (Jinja renders top to bottom) and lets literal citations be resolved
# once, when the template is compiled, instead of on every letter.
_CITED_OPEN, _CITED_CLOSE = "\ue002", "\ue003"
_CITED = re.compile(f"{_CITED_OPEN}([^{_CITED_CLOSE}]*){_CITED_CLOSE}")
CITATION_FUNCTIONS = ("cite", "fact")


class _FactRefused(Exception):
    """Raised inside a render; turned into FactsProblem with the template line."""


@dataclass(frozen=True)
class _FactFunctions:
    """``cite`` and ``fact`` as templates see them."""

    facts: Mapping[str, Fact]

    def cite(self, fact_id: Any) -> str:
        fact = self.usable(fact_id)
        return f"{_CITED_OPEN}{fact.id}{_CITED_CLOSE}"

    def fact(self, fact_id: Any) -> str:
        marker = self.cite(fact_id)
        return markdown_escape(self.facts[fact_id].statement) + marker

    def usable(self, fact_id: Any) -> Fact:
        fact = self.facts.get(fact_id) if isinstance(fact_id, str) else None
        if fact is None:
            raise _FactRefused(f"unknown fact id {fact_id!r}")
        if not fact.verified:
            raise _FactRefused(
                f"fact {fact_id!r} is not verified (verified: false) and cannot be cited as a fact"
            )
        return fact


class _FoldLiteralCitations(NodeTransformer):
    """Replace ``cite("id")`` / ``fact("id")`` with their text at compile time.

    Problems (unknown or unverified ids) are collected with their lines: a template that
    cites a fact it may not is broken, whichever branch the citation sits in.
    """

    def __init__(self, functions: _FactFunctions, label: str) -> None:
        self.functions = functions
        self.label = label
        self.problems: list[str] = []

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        literal = (
            isinstance(node.node, nodes.Name)
            and node.node.name in CITATION_FUNCTIONS
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and not (node.kwargs or node.dyn_args or node.dyn_kwargs)
        )
        if not literal:
            return self.generic_visit(node)
        name, fact_id = node.node.name, node.args[0].value  # type: ignore[attr-defined]
        try:
            text = getattr(self.functions, name)(fact_id)
        except _FactRefused as error:
            self.problems.append(f"{self.label}:{node.lineno}: {error}")
            return node
        return nodes.Const(text, lineno=node.lineno)


# The per-supporter values, and the stand-ins used when rendering once for many letters.
_ROW_VALUES = (("sender", "name"), ("sender", "postcode"), ("sender", "email"), ("personal", ""))
_ROW_PLACEHOLDERS = tuple(f"\ue010{index}\ue011" for index in range(len(_ROW_VALUES)))
_PLACEHOLDER = re.compile("\ue010(\\d)\ue011")


def _with_row_values(context: dict[str, Any], values: list[str]) -> dict[str, Any]:
    sender = dict(context["sender"], address=[])
    changed = {**context, "sender": sender}
    for (root, key), value in zip(_ROW_VALUES, values, strict=True):
        if key:
            sender[key] = value
        else:
            changed[root] = value
    return changed


# The recipient's values, and their stand-ins when one render serves every recipient.
_RECIPIENT_KEYS = ("name", "full_title", "address_as", "party", "email", "constituency")
_RECIPIENT_PLACEHOLDERS = tuple(f"\ue012{index}\ue013" for index in range(len(_RECIPIENT_KEYS)))
_RECIPIENT_ROOTS = ("mp", "rep")


def _with_recipient_stand_ins(context: dict[str, Any]) -> dict[str, Any]:
    """The context with each non-empty recipient value replaced by its stand-in (an empty
    one stays empty: templates may test it)."""
    recipient = dict(context["rep"])
    for key, stand_in in zip(_RECIPIENT_KEYS, _RECIPIENT_PLACEHOLDERS, strict=True):
        if recipient[key]:
            recipient[key] = stand_in
    return {**context, "rep": recipient, "mp": dict(recipient)}


_ANY_PLACEHOLDER = re.compile("\ue010(\\d)\ue011|\ue012(\\d)\ue013")


def _generic_parts(body: str) -> tuple[str | int, ...]:
    """Text and slots: a row value's index, or ``RECIPIENT_SLOT`` plus a recipient's."""
    parts: list[str | int] = []
    position = 0
    for found in _ANY_PLACEHOLDER.finditer(body):
        parts.append(body[position : found.start()])
        row, recipient = found.groups()
        parts.append(int(row) if row is not None else RECIPIENT_SLOT + int(recipient))
        position = found.end()
    parts.append(body[position:])
    return _joined(parts)


def with_recipient_values(
    parts: tuple[str | int, ...], values: tuple[str, ...]
) -> tuple[str | int, ...]:
    """A generic form's parts with the recipient's values filled in: text, a row value's
    index, text, ... (``SharedForm.parts``)."""
    return _joined(
        [
            values[p - RECIPIENT_SLOT] if isinstance(p, int) and p >= RECIPIENT_SLOT else p
            for p in parts
        ]
    )


def _joined(parts: list[str | int]) -> tuple[str | int, ...]:
    """Neighbouring texts joined, empty ones kept only between two slots or at the ends,
    so that text and slots alternate: text, slot, text, ..., text."""
    joined: list[str | int] = [""]
    for part in parts:
        if isinstance(part, str):
            joined[-1] = str(joined[-1]) + part
        else:
            joined.extend((part, ""))
    return tuple(joined)


def _names_and_addresses(context: dict[str, Any]) -> list[str]:
    """The context values that differ between otherwise identical letters."""
    mp, sender = context["mp"], context["sender"]
    return [
        mp["name"],
        mp["full_title"],
        mp["address_as"],
        mp["constituency"],
        sender["name"],
        *sender["address"],
        sender["postcode"],
        sender["email"],
    ]


def _digest_without(body: str, values: list[str]) -> bytes:
    """Digest of ``body`` with ``values`` taken out (longest first, so no part is left)."""
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        body = body.replace(value, "")
    return hashlib.blake2b(body.encode(), digest_size=16).digest()


def _uses_row_values_plainly(tree: nodes.Template) -> bool:
    """True when the template only prints the sender's values as they are (``trim`` is
    allowed: the values are already trimmed) and only tests whether they are empty."""
    return _used_plainly(tree, ("sender", "personal"), _plain_row_value)


def _uses_recipient_values_plainly(tree: nodes.Template) -> bool:
    """True when the template only prints the recipient's values as they are (or trimmed)
    and only tests whether they are empty; ``role`` and ``body`` may be used any way (a
    render by substitution is per role and body)."""
    free = {
        id(attribute.node)
        for attribute in tree.find_all(nodes.Getattr)
        if isinstance(attribute.node, nodes.Name) and attribute.attr in ("role", "body")
    }
    return _used_plainly(tree, _RECIPIENT_ROOTS, _plain_recipient_value, free)


def _used_plainly(
    tree: nodes.Template,
    roots: tuple[str, ...],
    plain: Callable[[nodes.Node], nodes.Name | None],
    also_allowed: set[int] | None = None,
) -> bool:
    """Whether every use of the variables ``roots`` is printed plainly or tested for being
    empty (``plain`` says which expressions are), or is one of ``also_allowed``."""
    allowed = set(also_allowed or ())
    for output in tree.find_all(nodes.Output):
        allowed.update(id(name) for name in map(plain, output.nodes) if name)
    for branch in tree.find_all(nodes.If):
        test = branch.test.node if isinstance(branch.test, nodes.Not) else branch.test
        name = plain(test)
        if name is not None:
            allowed.add(id(name))
    uses = [n for n in tree.find_all(nodes.Name) if n.name in roots]
    return all(id(name) in allowed for name in uses)


def _plain_recipient_value(expression: nodes.Node) -> nodes.Name | None:
    expression = _untrimmed(expression)
    if (
        isinstance(expression, nodes.Getattr)
        and isinstance(expression.node, nodes.Name)
        and expression.node.name in _RECIPIENT_ROOTS
        and expression.attr in _RECIPIENT_KEYS
    ):
        return expression.node
    return None


def _untrimmed(expression: nodes.Node) -> nodes.Node:
    """``x`` for ``x | trim`` (values are trimmed already), else the expression itself."""
    if (
        isinstance(expression, nodes.Filter)
        and expression.name == "trim"
        and not (
            expression.args or expression.kwargs or expression.dyn_args or expression.dyn_kwargs
        )
        and expression.node is not None
    ):
        return expression.node
    return expression


def _plain_row_value(expression: nodes.Node) -> nodes.Name | None:
    expression = _untrimmed(expression)
    if (
        isinstance(expression, nodes.Getattr)
        and isinstance(expression.node, nodes.Name)
        and expression.node.name == "sender"
        and expression.attr in ("name", "postcode", "email")
    ):
        return expression.node
    if isinstance(expression, nodes.Name) and expression.name == "personal":
        return expression
    return None


def _number_citations(body: str) -> tuple[str, tuple[str, ...]]:
    """Turn fact-id sentinels into numbered markers; return the ids in number order."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        fact_id = match.group(1)
        return f"{MARK_OPEN}{numbers.setdefault(fact_id, len(numbers) + 1)}{MARK_CLOSE}"

    if _CITED_OPEN not in body:
        return body, ()
    return _CITED.sub(number, body), tuple(numbers)


_ENVIRONMENT = BoundedSandbox(
    undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
)


def _compile_tree(tree: nodes.Template) -> Any:
    code = _ENVIRONMENT.compile(bound_tree(tree))
    return _ENVIRONMENT.template_class.from_code(
        _ENVIRONMENT, code, _ENVIRONMENT.make_globals(None)
    )


class LetterRenderer:
    """A compiled template plus the facts it may cite; render once per recipient."""

    def __init__(
        self,
        template: LetterTemplate,
        facts: Mapping[str, Fact],
        *,
        max_fact_age_days: int = DEFAULT_MAX_FACT_AGE_DAYS,
    ) -> None:
        self.template = template
        self._facts = facts
        self._functions = _FactFunctions(facts)
        self._max_fact_age_days = max_fact_age_days
        self._check_declared_facts()
        self._by_shape: dict[tuple[Any, ...], SharedForm] = {}
        self._for_any: dict[tuple[Any, ...], tuple[GenericForm, tuple[str, ...], bytes]] = {}
        self._extra: Mapping[str, Any] = {}
        try:
            self._body = self._compile(template.body)
            self._subject = _compile_tree(_ENVIRONMENT.parse(template.subject))
            # Most subjects are plain text: no need to render them for every letter.
            plain = "{" not in template.subject
            self._fixed_subject = one_line(template.subject) if plain else None
        except TemplateSyntaxError as error:
            raise TemplateProblem(
                f"{template.label}:{error.lineno}: syntax: {error.message}"
            ) from None

    def with_variables(self, **variables: Any) -> LetterRenderer:
        """This renderer, giving templates these variables too (``previous`` for a
        follow-up). Their text must already be Markdown-escaped."""
        twin = copy.copy(self)
        twin._extra = {**self._extra, **variables}
        twin._by_shape = {}  # renders by substitution are not used with extra variables
        twin._for_any = {}
        return twin

    def _compile(self, source: str) -> Any:
        tree = _ENVIRONMENT.parse(source)
        folding = _FoldLiteralCitations(self._functions, self.template.label)
        tree = folding.visit(tree)
        if folding.problems:
            raise FactsProblem("\n".join(folding.problems))
        self._plain_row_values = _uses_row_values_plainly(tree)
        self._plain_recipient_values = _uses_recipient_values_plainly(tree)
        return _compile_tree(tree)

    def render(
        self,
        *,
        mp: MP,
        constituency: Constituency,
        sender: Sender,
        personal: str,
        letter_date: date,
        source: Source = "live",
        role: str = "MP",
        body_id: str = "commons",
    ) -> Letter:
        """``mp`` is the recipient whatever their body (``role`` and ``body_id`` say which)."""
        personal_text = multi_line(personal)
        extra = self._extra

        def context() -> dict[str, Any]:
            base = _context(mp, constituency, sender, personal_text, letter_date, (role, body_id))
            return {**base, **extra} if extra else base

        if self._plain_row_values and not extra:
            filled = self._render_by_substitution(
                (
                    _safe(sender.name),
                    _safe(sender.postcode),
                    _safe(sender.email),
                    markdown_escape(personal_text),
                ),  # in the order of _ROW_VALUES
                context,
                (mp, constituency, letter_date, role, body_id),
            )
            shared = filled.shared
            body, references, warnings = filled.body, shared.references, shared.warnings
            form_digest = hashlib.blake2b(
                shared.words + filled.values[-1].encode(), digest_size=16
            ).digest()
        else:
            filled = None
            full_context = context()
            body, cited = _number_citations(self._run(self._body, full_context))
            body = _tidy(body)
            form_digest = _digest_without(body, _names_and_addresses(full_context))
            references, warnings = self._references(cited), self._warnings(cited, letter_date)
        subject = self._fixed_subject or one_line(
            _CITED.sub("", self._run(self._subject, context()))
        )
        return Letter(
            template=self.template.name,
            subject=subject,
            date=letter_date,
            sender=sender,
            mp=mp,
            constituency=constituency,
            body=body,
            references=references,
            source=source,
            has_personal=bool(personal_text),
            warnings=warnings,
            form_digest=form_digest,
            body_id=body_id,
            role=role,
            body_form=filled,
        )

    def _render_by_substitution(
        self,
        values: tuple[str, str, str, str],
        context: Callable[[], dict[str, Any]],
        recipient: tuple[MP, Constituency, date, str, str],
    ) -> BodyForm:
        """Render once per recipient and per which sender values are empty, then fill
        them in.

        Only used when the template inserts the sender's values as they are and tests
        them only for being empty (see ``_uses_row_values_plainly``), so the result is the
        same as a full render; a batch writing to one MP over and over skips the template.
        """
        mp, constituency, letter_date, role, body_id = recipient
        shape = (bool(values[0]), bool(values[1]), bool(values[2]), bool(values[3]))
        # Keyed by identity, checked below: a batch passes the same MP object for every
        # letter to that MP, and hashing its fields for every letter costs more.
        key = (id(mp), id(constituency), letter_date, role, body_id, shape)
        shared = self._by_shape.get(key)
        if shared is None or shared.mp is not mp or shared.constituency is not constituency:
            if len(self._by_shape) >= 4096:  # bounded: a batch has at most 650 MPs
                self._by_shape.clear()
            shared = self._by_shape[key] = self._shared_form(context, shape, recipient)
        parts = shared.parts
        body = "".join([values[p] if isinstance(p, int) else p for p in parts])
        return BodyForm(shared, values, body)

    def _shared_form(
        self,
        context: Callable[[], dict[str, Any]],
        shape: tuple[bool, ...],
        recipient: tuple[MP, Constituency, date, str, str],
    ) -> SharedForm:
        mp, constituency, letter_date, _, _ = recipient
        stand_ins = _with_row_values(
            context(),
            [p if filled else "" for p, filled in zip(_ROW_PLACEHOLDERS, shape, strict=True)],
        )
        if self._plain_recipient_values:
            generic, cited, words = self._for_any_recipient(stand_ins, shape, recipient)
            escaped = stand_ins["rep"]
            recipient_values = tuple(escaped[key] for key in _RECIPIENT_KEYS)
            parts = with_recipient_values(generic.parts, recipient_values)
        else:
            generic, recipient_values = None, ()
            body, cited = _number_citations(self._run(self._body, stand_ins))
            body = _tidy(body)
            # The sender's stand-ins go with the names; the personal one stays, in place.
            words = _digest_without(body, _names_and_addresses(stand_ins))
            # text, index, text, index, ..., text
            parts = tuple(int(p) if i % 2 else p for i, p in enumerate(_PLACEHOLDER.split(body)))
        return SharedForm(
            parts=parts,
            cited=cited,
            references=self._references(cited),
            warnings=self._warnings(cited, letter_date),
            words=words,
            mp=mp,
            constituency=constituency,
            date=letter_date,
            generic=generic,
            recipient_values=recipient_values,
        )

    def _for_any_recipient(
        self,
        stand_ins: dict[str, Any],
        shape: tuple[bool, ...],
        recipient: tuple[MP, Constituency, date, str, str],
    ) -> tuple[GenericForm, tuple[str, ...], bytes]:
        """The body with stand-ins for the recipient's values too, rendered once for every
        recipient whose values are empty in the same places (a batch to 650 MPs renders
        the template once or twice, not 650 times), what it cites, and the digest of its
        words without the sender's and the recipient's values (the same for every
        recipient: ``Letter.form_digest`` groups letters to one recipient). Filling the
        recipient's values in gives the body a render for them would: the values are
        escaped and trimmed, with no line break, so tidying commutes with filling them in."""
        _, _, letter_date, role, body_id = recipient
        filled = tuple(bool(stand_ins["rep"][key]) for key in _RECIPIENT_KEYS)
        key = (letter_date, role, body_id, shape, filled)
        cached = self._for_any.get(key)
        if cached is None:
            generic = _with_recipient_stand_ins(stand_ins)
            body, cited = _number_citations(self._run(self._body, generic))
            body = _tidy(body)
            # The sender's stand-ins go with the names; the personal one stays, in place.
            names = [*_names_and_addresses(generic), *_RECIPIENT_PLACEHOLDERS]
            form = GenericForm(_generic_parts(body))
            cached = self._for_any[key] = (form, cited, _digest_without(body, names))
        return cached

    @functools.lru_cache(maxsize=64)  # noqa: B019  # one renderer per command; few keys
    def _references(self, cited: tuple[str, ...]) -> tuple[Reference, ...]:
        return tuple(Reference(n, self._facts[i]) for n, i in enumerate(cited, start=1))

    def _run(self, compiled: Any, context: dict[str, Any]) -> str:
        functions = self._functions
        try:
            return render_bounded(
                compiled, {**context, "cite": functions.cite, "fact": functions.fact}
            )
        except TemplateLimit as error:
            raise TemplateLimit(f"{self._where(error)}: {error}") from None
        except _FactRefused as error:
            raise FactsProblem(f"{self._where(error)}: {error}") from None
        except UndefinedError as error:
            raise TemplateProblem(f"{self._where(error)}: {error.message}") from None
        except SecurityError as error:
            raise TemplateProblem(
                f"{self._where(error)}: refused: the template tried to reach Python internals "
                f"({error})"
            ) from None
        except Exception as error:  # a template is user data: any failure is the template's
            raise TemplateProblem(
                f"{self._where(error)}: {type(error).__name__}: {error}"
            ) from None

    def _where(self, error: BaseException) -> str:
        line = _template_line(error)
        return f"{self.template.label}:{line}" if line else self.template.label

    def _check_declared_facts(self) -> None:
        problems = []
        for fact_id in self.template.facts:
            line = self.template.fact_lines.get(fact_id, 2)
            fact = self._facts.get(fact_id)
            if fact is None:
                problems.append(f"{self.template.label}:{line}: facts: unknown fact id {fact_id!r}")
            elif not fact.verified:
                problems.append(
                    f"{self.template.label}:{line}: facts: fact {fact_id!r} is not "
                    "verified (verified: false) and cannot be used"
                )
        if problems:
            raise FactsProblem("\n".join(problems))

    @functools.lru_cache(maxsize=64)  # noqa: B019  # one renderer per command; few keys
    def _warnings(self, cited_ids: tuple[str, ...], letter_date: date) -> tuple[str, ...]:
        undeclared = [i for i in cited_ids if i not in self.template.facts]
        warnings = [
            f"{self.template.label} cites {i!r} without listing it under 'facts:'"
            for i in undeclared
        ]
        # Facts the template presents as history are old on purpose: no age warning.
        cited = [self._facts[i] for i in cited_ids if i not in self.template.historical]
        stale = stale_facts(cited, on=letter_date, max_age_days=self._max_fact_age_days)
        return (*warnings, *stale)


# Lines every letter has whatever it says: a greeting and a sign-off.
_GREETING = re.compile(r"(dear|hello|hi)( sir or madam| sir| madam)?\W*", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"(yours( sincerely| faithfully| truly)?|sincerely|(kind |best |warm |with best )?regards"
    r"|(best|kind|with best) wishes|many thanks|thank you|thanks)\W*",
    re.IGNORECASE,
)


def require_words(letter: Letter) -> Letter:
    """The letter, or ``EmptyLetter`` when it says nothing: once the names, addresses, date,
    greeting and sign-off are taken out, no word is left (``blank`` without personal words).

    One check for ``letter write`` (exit 2) and a batch (a failed row).
    """
    if letter.has_personal or _has_words_cached(letter):
        return letter
    raise EmptyLetter(
        f"the letter would be empty: template {letter.template!r} gives only a greeting "
        "and a sign-off without personal words"
    )


_WORDS_BY_FORM: dict[bytes, bool] = {}
"""Letters with the same ``form_digest`` have the same words once names and addresses are
taken out: a batch checks each form once, not each of its thousands of letters."""


def _has_words_cached(letter: Letter) -> bool:
    form = letter.form_digest
    known = _WORDS_BY_FORM.get(form) if form else None
    if known is None:
        known = _has_words(letter)
        if form:
            if len(_WORDS_BY_FORM) >= 4096:
                _WORDS_BY_FORM.clear()
            _WORDS_BY_FORM[form] = known
    return known


def _has_words(letter: Letter) -> bool:
    text = CITATION.sub("", letter.body).replace("\\", "")
    sender, mp = letter.sender, letter.mp
    values = (
        *sender.letterhead,
        mp.name,
        mp.full_title,
        mp.address_as,
        letter.constituency.name,
        letter.date_text,
    )
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = text.replace(value, "")
    for line in text.split("\n"):
        words = line.strip(" \t#>*_-.,:;!")
        formulaic = _GREETING.fullmatch(words) or _SIGN_OFF.fullmatch(words)
        if not formulaic and any(character.isalnum() for character in words):
            return True
    return False


def render_letter(
    *,
    template: LetterTemplate,
    facts: Mapping[str, Fact],
    mp: MP,
    constituency: Constituency,
    sender: Sender,
    personal: str = "",
    letter_date: date,
    max_fact_age_days: int = DEFAULT_MAX_FACT_AGE_DAYS,
    source: Source = "live",
) -> Letter:
    """Render one letter (library entry point)."""
    renderer = LetterRenderer(template, facts, max_fact_age_days=max_fact_age_days)
    return renderer.render(
        mp=mp,
        constituency=constituency,
        sender=sender,
        personal=personal,
        letter_date=letter_date,
        source=source,
    )


def _safe(value: str | None) -> str:
    return markdown_escape(one_line(value or ""))


@functools.lru_cache(maxsize=1024)
def _mp_context(mp: MP, constituency: Constituency) -> dict[str, str]:
    """Escaped once per MP: a batch writes to the same few hundred MPs again and again."""
    return {
        "name": _safe(mp.name),
        "full_title": _safe(mp.full_title),
        "address_as": _safe(salutation_name(mp.name)),
        "party": _safe(mp.party),
        "email": _safe(mp.email),
        "constituency": _safe(constituency.name),
    }


def _context(
    mp: MP,
    constituency: Constituency,
    sender: Sender,
    personal: str,
    letter_date: date,
    role_and_body: tuple[str, str] = ("MP", "commons"),
) -> dict[str, Any]:
    # ``rep`` is the recipient, whatever their body; ``mp`` stays for templates written
    # before there were other bodies, and is the same recipient.
    recipient = {**_mp_context(mp, constituency), "role": role_and_body[0]}
    recipient["body"] = role_and_body[1]
    return {
        "rep": recipient,
        "mp": dict(recipient),
        "sender": {
            "name": _safe(sender.name),
            "address": [_safe(line) for line in sender.address],
            "postcode": _safe(sender.postcode),
            "email": _safe(sender.email),
        },
        "personal": markdown_escape(personal),
        "date": format_date(letter_date),
    }


# An image in Markdown: a viewer would fetch it from its address.
_IMAGE = re.compile(r"!\[((?:\\.|[^\]\\])*)\]\([^)]*\)")
# Raw HTML that makes a viewer fetch something (HTML letters escape raw HTML anyway, but a
# Markdown viewer would not); a template has no use for them in a letter.
_REMOTE_TAG = re.compile(
    r"(?<!\\)</?(?:img|image|iframe|frame|script|style|object|embed|link|meta|base|video|audio|"
    r"source|track|picture|svg|form|input)\b[^>]*>",
    re.IGNORECASE,
)


def without_remote_resources(markdown: str) -> str:
    """A letter loads nothing from elsewhere: an image keeps only its description, and tags
    that would fetch something are removed with their addresses."""
    return _REMOTE_TAG.sub("", _IMAGE.sub(r"\1", markdown))


def _tidy(body: str) -> str:
    if "![" in body or "<" in body:
        body = without_remote_resources(body)
    body = body.strip()
    if " \n" in body or "\t\n" in body or "\n\n\n" in body:
        lines = [line.rstrip() for line in body.split("\n")]
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return body + "\n"


def _template_line(error: BaseException) -> int | None:
    """The template line an error happened on (Jinja rewrites tracebacks to show it)."""
    if isinstance(error, TemplateSyntaxError):
        return error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


@dataclass(frozen=True)
class PreparedLetter:
    """A checked template and facts, and the MP found: everything but the sender's words.

    ``letter write`` prepares first and asks for personal words only afterwards, so a
    broken template or an unknown postcode never costs the user what they typed.
    """

    renderer: LetterRenderer
    found: Lookup

    def render(self, *, sender: Sender, personal: str, letter_date: date) -> Letter:
        found = self.found
        letter = self.renderer.render(
            mp=found.mp,
            constituency=found.constituency,
            sender=sender,
            personal=personal,
            letter_date=letter_date,
            source=found.source,
        )
        return require_words(replace(letter, warnings=(*found.warnings, *letter.warnings)))


def prepare_letter(
    *,
    template_name: str,
    postcode: str,
    offline: bool = False,
    campaign: Path | None = None,
    max_fact_age_days: int = DEFAULT_MAX_FACT_AGE_DAYS,
) -> PreparedLetter:
    """Check the template and facts, then look up the MP for ``postcode``.

    The template and facts are checked before anything is sent, so a broken template never
    costs a lookup.
    """
    from actkit.facts import load_facts
    from actkit.representatives import find_mp
    from actkit.templates import load_template

    renderer = LetterRenderer(
        load_template(template_name, campaign),
        load_facts(campaign),
        max_fact_age_days=max_fact_age_days,
    )
    return PreparedLetter(renderer, find_mp(postcode, offline=offline))


def write_letter(
    *,
    template_name: str,
    postcode: str,
    sender: Sender,
    personal: str = "",
    letter_date: date,
    offline: bool = False,
    campaign: Path | None = None,
    max_fact_age_days: int = DEFAULT_MAX_FACT_AGE_DAYS,
) -> Letter:
    """Look up the sender's MP and render a letter to them (the ``letter write`` job).

    Lookup warnings (offline answers) are carried on the letter. Raises ``EmptyLetter``
    when the template leaves nothing to say without personal words.
    """
    prepared = prepare_letter(
        template_name=template_name,
        postcode=postcode,
        offline=offline,
        campaign=campaign,
        max_fact_age_days=max_fact_age_days,
    )
    return prepared.render(sender=sender, personal=personal, letter_date=letter_date)
