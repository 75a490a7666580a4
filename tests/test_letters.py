"""The letter engine: citations, escaping, the sandbox, and what templates may not do."""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actkit import offline
from actkit.errors import FactsProblem, TemplateProblem
from actkit.facts import load_facts, parse_facts
from actkit.formats.letters import encoded
from actkit.formats.letters import render as render_format
from actkit.letters import CITATION, LetterRenderer, Sender, markdown_escape, render_letter
from actkit.templates import read_template

MP = offline.mp_for("E14001409")
SEAT = offline.constituency("E14001409")
SENDER = Sender(name="Alex Example", address=("1 High Street", "Norwich"), postcode="NR2 1AB")
DAY = date(2026, 11, 25)
assert MP is not None and SEAT is not None

FACTS_YAML = """\
facts:
  - id: alpha
    statement: "Alpha is true."
    as_of: 2026-01-01
    source: {title: A, publisher: P, published: 2026-01-02, url: "https://example.org/a"}
    verified: true
    note: ""
  - id: beta
    statement: "Beta *is* also true."
    as_of: 2020-01-01
    source: {title: B, publisher: P, published: null, url: "https://example.org/b"}
    verified: true
  - id: gamma
    statement: "Gamma was never checked."
    as_of: null
    source: {title: "not found", publisher: "not found", published: null}
    verified: false
"""


def make_template(tmp_path: Path, body: str, facts: str = "[]", name: str = "t") -> object:
    path = tmp_path / f"{name}.md.j2"
    path.write_text(f"---\ntitle: T\ndescription: D\nsubject: S\nfacts: {facts}\n---\n{body}")
    return read_template(name, path, "campaign")


def render(
    tmp_path: Path, body: str, *, personal: str = "", declared: str = "[]", **kwargs: object
) -> object:
    facts = {f.id: f for f in parse_facts(FACTS_YAML, "facts.yaml")}
    template = make_template(tmp_path, body, declared)
    return render_letter(
        template=template,
        facts=facts,
        mp=MP,
        constituency=SEAT,
        sender=SENDER,
        personal=personal,
        letter_date=DAY,
        **kwargs,
    )


def markers(body: str) -> list[str]:
    return CITATION.findall(body)


def test_citations_number_in_order_of_first_use_and_reuse(tmp_path: Path) -> None:
    letter = render(
        tmp_path,
        'B{{ cite("beta") }} A{{ cite("alpha") }} B again{{ cite("beta") }}',
        declared="[alpha, beta]",
    )

    assert markers(letter.body) == ["1", "2", "1"]
    assert [(r.number, r.fact.id) for r in letter.references] == [(1, "beta"), (2, "alpha")]


def test_fact_inserts_statement_with_marker_escaped(tmp_path: Path) -> None:
    letter = render(tmp_path, '{{ fact("beta") }}', declared="[beta]")

    assert letter.body == "Beta \\*is\\* also true.\ue0001\ue001\n"


def test_unknown_fact_names_template_line_and_id(tmp_path: Path) -> None:
    with pytest.raises(FactsProblem, match=r"t\.md\.j2:8: unknown fact id 'nope'"):
        render(tmp_path, 'Line 7\n{{ cite("nope") }}')


def test_unverified_fact_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FactsProblem, match=r"t\.md\.j2:7: fact 'gamma' is not verified"):
        render(tmp_path, '{{ fact("gamma") }}')


def test_unverified_fact_in_front_matter_is_refused_before_rendering(tmp_path: Path) -> None:
    with pytest.raises(FactsProblem, match=r"t\.md\.j2:5: facts: fact 'gamma' is not verified"):
        render(tmp_path, "Hello", declared="[gamma]")


def test_undefined_variable_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match=r"t\.md\.j2:9: 'mp' .*'nmae'|t\.md\.j2:9: .*nmae"):
        render(tmp_path, "one\ntwo\n{{ mp.nmae }}")


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match=r"t\.md\.j2:8: syntax"):
        render(tmp_path, "ok\n{% if %}")


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cite.__globals__ }}",
        "{{ mp.__class__.__init__.__globals__ }}",
        "{{ sender.address.append('x') }}",
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ self._TemplateReference__context }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
    ],
)
def test_sandbox_refuses_python_internals(tmp_path: Path, attack: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render(tmp_path, attack)
    assert "t.md.j2:7" in str(caught.value)


def test_user_values_cannot_inject_markdown_or_citations(tmp_path: Path) -> None:
    sender = Sender(
        name="# Boss [x](javascript:alert(1)) \ue0009\ue001",
        address=("<b>1</b>",),
        postcode="NR2 1AB",
    )
    facts = {f.id: f for f in parse_facts(FACTS_YAML, "facts.yaml")}
    template = make_template(
        tmp_path, "{{ sender.name }} {{ sender.address[0] }}\n\n{{ personal }}"
    )
    letter = render_letter(
        template=template,
        facts=facts,
        mp=MP,
        constituency=SEAT,
        sender=sender,
        personal="- not a list\n\n1. nor this",
        letter_date=DAY,
    )

    assert markers(letter.body) == []
    assert letter.body.startswith("\\# Boss \\[x\\](javascript:alert(1))")
    assert "\\<b\\>1\\</b\\>" in letter.body
    assert "\\- not a list" in letter.body and "1\\. nor this" in letter.body


def test_markdown_escape_round_trip_is_literal() -> None:
    from markdown_it import MarkdownIt

    text = "*a* _b_ [c](d) <e> # f & g `h` | i ~ j !"
    html = MarkdownIt("commonmark", {"html": False}).render(markdown_escape(text))
    assert html == "<p>*a* _b_ [c](d) &lt;e&gt; # f &amp; g `h` | i ~ j !</p>\n"


def test_old_facts_warn_with_their_age(tmp_path: Path) -> None:
    letter = render(tmp_path, '{{ cite("beta") }}{{ cite("alpha") }}', declared="[alpha, beta]")

    assert len(letter.warnings) == 1
    assert (
        "'beta' is 2,520 days old (as of 1 January 2020), older than 730 days" in letter.warnings[0]
    )


def test_max_fact_age_is_configurable(tmp_path: Path) -> None:
    letter = render(tmp_path, '{{ cite("alpha") }}', declared="[alpha]", max_fact_age_days=100)

    assert "'alpha' is 328 days old" in letter.warnings[0]


def test_citing_an_undeclared_fact_warns(tmp_path: Path) -> None:
    letter = render(tmp_path, '{{ cite("alpha") }}')

    assert "cites 'alpha' without listing it under 'facts:'" in letter.warnings[0]


def test_renderer_is_reusable_and_numbering_restarts(tmp_path: Path) -> None:
    facts = {f.id: f for f in parse_facts(FACTS_YAML, "facts.yaml")}
    renderer = LetterRenderer(make_template(tmp_path, '{{ cite("beta") }}', "[beta]"), facts)
    first = renderer.render(mp=MP, constituency=SEAT, sender=SENDER, personal="", letter_date=DAY)
    second = renderer.render(mp=MP, constituency=SEAT, sender=SENDER, personal="", letter_date=DAY)

    assert markers(first.body) == markers(second.body) == ["1"]


# --- facts files --------------------------------------------------------------------------

SOURCE_OK = "{title: t, publisher: p, published: null, url: 'https://x.org'}"


def one_fact(**fields: str) -> str:
    """A facts file with one fact; keyword values replace the valid defaults."""
    values = {"id": "x", "statement": "s", "as_of": "null", "source": SOURCE_OK, "verified": "true"}
    values.update(fields)
    lines = [f"    {key}: {value}" for key, value in values.items() if value != "-"]
    return "facts:\n  -" + "\n".join(lines)[3:] + "\n"


BROKEN = [
    ("facts:\n  - id: x\n", "facts.yaml:2: facts[1].statement: missing"),
    (one_fact(id="Bad Id"), "facts.yaml:2: facts[1].id: use lower-case letters"),
    (
        one_fact(as_of="2020-13-01"),
        "facts.yaml:4: facts[1].as_of: '2020-13-01' is not a valid value",
    ),
    (
        one_fact(source="{title: t, publisher: p, published: null, url: 'ftp://x'}"),
        "facts.yaml:5: facts[1].source.url: 'ftp://x' is not a web address",
    ),
    (
        one_fact(source="{title: t, publisher: p, published: null}"),
        "facts.yaml:5: facts[1].source.url: missing",
    ),
    (
        one_fact(verified="yes please"),
        "facts.yaml:6: facts[1].verified: 'yes please' must be true or false",
    ),
    ("facts:\n  - id: x\n    statment: s\n", "facts.yaml:3: facts[1].statment: unknown field"),
    ("facts: [\n", "facts.yaml:2: (file): not valid YAML"),
    ("- id: x\n", "facts.yaml:1: (file): must be a mapping of fields"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_facts_report_file_line_field(text: str, expected: str) -> None:
    with pytest.raises(FactsProblem) as caught:
        parse_facts(text, "facts.yaml")
    assert expected in str(caught.value)


def test_duplicate_ids_are_reported() -> None:
    one = one_fact().removeprefix("facts:\n")
    expected = r"facts.yaml:7: facts\[2\].id: duplicate id 'x' \(first defined on line 2\)"
    with pytest.raises(FactsProblem, match=expected):
        parse_facts("facts:\n" + one + one, "facts.yaml")


def test_bundled_facts_load_and_unverified_ones_are_marked() -> None:
    facts = load_facts()
    assert len(facts) == 47
    unverified = {f.id for f in facts.values() if not f.verified}
    assert unverified == {
        "russia-11-hospitals-since-nov-2019",
        "claim-tens-of-thousands-preventable-disease-deaths",
        "claim-turkey-detained-aid-trucks-dec-2019",
    }


def test_campaign_facts_replace_builtins(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    (tmp_path / "facts" / "mine.yaml").write_text(
        textwrap.dedent("""\
        facts:
          - id: ccm-uk-state-party
            statement: "Replaced."
            as_of: 2026-01-01
            source: {title: t, publisher: p, published: null, url: "https://example.org"}
            verified: true
        """)
    )
    assert load_facts(tmp_path)["ccm-uk-state-party"].statement == "Replaced."


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co")), max_size=60
    )
)
def test_escaped_user_text_renders_literally(text: str) -> None:
    """Whatever a user types comes out as the same text, never as Markdown structure."""
    from html import unescape

    from markdown_it import MarkdownIt

    from actkit.text import one_line

    value = one_line(text)
    html = MarkdownIt("commonmark", {"html": False}).render(markdown_escape(value))
    if not value:
        return
    assert html.startswith("<p>") and html.endswith("</p>\n")
    assert unescape(html[3:-5]) == value


# --- rendering once per MP and filling in each supporter's values ------------------------

SENDER_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@pytest.mark.parametrize(
    "name", ["syria-civilians", "meeting-request", "follow-up", "thank-you", "blank"]
)
def test_bundled_templates_use_sender_values_plainly(name: str) -> None:
    from actkit.templates import load_template

    renderer = LetterRenderer(load_template(name, None), load_facts())
    assert renderer._plain_row_values


@pytest.mark.parametrize(
    "body",
    [
        "{{ sender.name | upper }}",
        "{% for line in sender.address %}{{ line }}{% endfor %}",
        "{{ sender.name ~ '!' }}",
        "{% if sender.name == 'x' %}x{% endif %}",
        "{% set personal = 'x' %}{{ personal }}",
        "{{ personal | length }}",
    ],
)
def test_other_uses_of_sender_values_render_in_full(tmp_path: Path, body: str) -> None:
    facts = {f.id: f for f in parse_facts(FACTS_YAML, "facts.yaml")}
    renderer = LetterRenderer(make_template(tmp_path, body), facts)
    assert not renderer._plain_row_values


@settings(deadline=None)  # three templates rendered twice: slow on a busy machine
@given(name=SENDER_TEXT, email=SENDER_TEXT, personal=SENDER_TEXT)
def test_rendering_by_substitution_matches_a_full_render(
    name: str, email: str, personal: str
) -> None:
    """The shortcut batches rely on must give exactly what a full render gives."""
    from dataclasses import replace as with_changes

    from actkit.errors import EmptyLetter

    def render_both(renderer: LetterRenderer, sender: Sender) -> tuple[object, object]:
        outcomes = []
        for plain in (True, False):
            renderer._plain_row_values = plain
            try:
                outcomes.append(
                    renderer.render(
                        mp=MP, constituency=SEAT, sender=sender, personal=personal, letter_date=DAY
                    )
                )
            except EmptyLetter:
                outcomes.append("empty letter")  # refused alike on both paths
            finally:
                renderer._plain_row_values = True
        return outcomes[0], outcomes[1]

    for template in ("syria-civilians", "meeting-request", "blank"):
        sender = with_changes(SENDER, name=name, email=email or None)
        fast, full = render_both(_renderers(template), sender)
        if isinstance(fast, str) or isinstance(full, str):
            assert fast == full
            continue
        assert fast.form_digest and full.form_digest
        assert dataclasses.replace(fast, form_digest=b"") == dataclasses.replace(
            full, form_digest=b""
        )
        # Formats fill the form in (render once, fill many): the same files either way.
        assert fast.form is not None and full.form is None
        for fmt in ("txt", "md", "html"):
            assert render_format(fast, fmt) == render_format(full, fmt)


_RENDERERS: dict[str, LetterRenderer] = {}


def _renderers(name: str) -> LetterRenderer:
    from actkit.templates import load_template

    if name not in _RENDERERS:
        _RENDERERS[name] = LetterRenderer(load_template(name, None), load_facts())
    return _RENDERERS[name]


def test_citations_with_computed_ids_are_numbered_and_checked(tmp_path: Path) -> None:
    letter = render(
        tmp_path,
        '{% for f in ["beta", "alpha", "beta"] %}{{ cite(f) }}{% endfor %}',
        declared="[alpha, beta]",
    )
    assert markers(letter.body) == ["1", "2", "1"]

    with pytest.raises(FactsProblem, match=r"t\.md\.j2:7: unknown fact id 'nope'"):
        render(tmp_path, '{% for f in ["nope"] %}{{ cite(f) }}{% endfor %}')


def test_a_bad_literal_citation_is_refused_even_in_an_untaken_branch(tmp_path: Path) -> None:
    with pytest.raises(FactsProblem, match=r"t\.md\.j2:8: fact 'gamma' is not verified"):
        render(tmp_path, '{% if false %}\n{{ cite("gamma") }}{% endif %}')


def test_a_hostile_facts_file_is_refused_not_expanded() -> None:
    """A "billion laughs" file: each level repeats the one before ten times."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    with pytest.raises(FactsProblem, match="too large or too deeply nested"):
        parse_facts("\n".join(levels) + "\n", "facts.yaml")


def test_empty_letter_is_refused_with_its_reason_code() -> None:
    from actkit.errors import EmptyLetter
    from actkit.letters import require_words

    letter = _renderers("blank").render(
        mp=MP, constituency=SEAT, sender=SENDER, personal=" \n", letter_date=DAY
    )
    with pytest.raises(EmptyLetter) as refused:
        require_words(letter)
    assert refused.value.reason == "empty letter"
    assert refused.value.exit_code == 2


_WORDS = st.text(alphabet="ab cd\n\t`~*_-#>1.)[]\\\ue000", max_size=400)


@settings(deadline=None, max_examples=300)
@given(name=_WORDS, personal=_WORDS)
def test_formats_fill_a_form_exactly_as_they_format_a_full_body(name: str, personal: str) -> None:
    """Render once, fill many: a batch's text and Markdown letters are laid out once per
    form and filled in; the files must be those formatting the whole letter gives."""
    from actkit.errors import EmptyLetter

    for template in ("syria-civilians", "meeting-request", "blank"):
        renderer = _renderers(template)
        sender = dataclasses.replace(SENDER, name=name)
        try:
            letter = renderer.render(
                mp=MP, constituency=SEAT, sender=sender, personal=personal, letter_date=DAY
            )
        except EmptyLetter:
            continue
        assert letter.form is not None
        unfilled = dataclasses.replace(letter, body_form=None)
        for fmt in ("txt", "md"):
            assert render_format(letter, fmt) == render_format(unfilled, fmt)
            assert encoded(letter, fmt) == encoded(unfilled, fmt)  # the file's bytes


@settings(deadline=None, max_examples=200)
@given(
    name=SENDER_TEXT,
    party=SENDER_TEXT,
    email=SENDER_TEXT,
    seat=SENDER_TEXT,
    personal=SENDER_TEXT,
)
def test_one_render_for_every_recipient_matches_a_render_for_each(
    name: str, party: str, email: str, seat: str, personal: str
) -> None:
    """A batch renders the template once for every MP and fills each MP's values in: the
    letter must be the one a render for that MP gives."""
    from actkit.errors import EmptyLetter
    from actkit.models import Constituency

    mp = dataclasses.replace(MP, name=name, full_title=f"{name} MP", party=party, email=email)
    constituency = Constituency(seat, "E14000001")
    for template in ("syria-civilians", "meeting-request", "follow-up", "thank-you"):
        renderer = _renderers(template)
        outcomes = []
        for plain in (True, False):
            renderer._plain_recipient_values = plain
            renderer._by_shape.clear()
            try:
                outcomes.append(
                    renderer.render(
                        mp=mp,
                        constituency=constituency,
                        sender=SENDER,
                        personal=personal,
                        letter_date=DAY,
                    )
                )
            except EmptyLetter:
                outcomes.append(None)
            finally:
                renderer._plain_recipient_values = True
                renderer._by_shape.clear()
        shared, own = outcomes
        assert (shared is None) == (own is None)
        if shared is not None and own is not None:
            # The digest leaves the recipient out (it only groups letters to one MP).
            assert shared.form_digest and own.form_digest
            blank = dataclasses.replace
            assert blank(shared, form_digest=b"") == blank(own, form_digest=b"")
            for fmt in ("txt", "md"):  # laid out once for every recipient, or for this one
                assert render_format(shared, fmt) == render_format(own, fmt)


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        ("Dear {{ mp.address_as }} of {{ rep.constituency | trim }}", True),
        ("{% if mp.email %}{{ mp.email }}{% endif %}{{ rep.role }}", True),
        ("{% if rep.body == 'commons' %}MP{% endif %}", True),
        ("{{ mp.name | upper }}", False),
        ("{{ mp.name ~ '!' }}", False),
        ("{% for k in mp %}{{ k }}{% endfor %}", False),
        ("{% if mp.party == 'Labour' %}x{% endif %}", False),
    ],
)
def test_which_templates_render_once_for_every_recipient(
    tmp_path: Path, body: str, plain: bool
) -> None:
    facts = {f.id: f for f in parse_facts(FACTS_YAML, "facts.yaml")}
    renderer = LetterRenderer(make_template(tmp_path, body), facts)
    assert renderer._plain_recipient_values is plain


_WORD = st.text(alphabet="abcdefghij,.-\u00a0\u2028xyzXYZ", min_size=1, max_size=90)


@settings(max_examples=500, deadline=None)
@given(
    line=st.one_of(
        st.lists(_WORD, min_size=1, max_size=40).map(" ".join),
        st.text(alphabet="ab cdefghij,.-\u00a0\u2028\t\nxyzXYZ", max_size=300),
    ),
    prefix=st.sampled_from(["", "- ", "12. ", "> "]),
)
def test_the_quick_line_filling_is_textwraps(line: str, prefix: str) -> None:
    from actkit.formats.letters import WIDTH, _textwrap_fill, _wrap

    indent = "> " if prefix == "> " else " " * len(prefix)
    expected = _textwrap_fill(line, prefix, indent)
    if len(prefix) + len(line) <= WIDTH:
        return  # the short-line shortcut, older than this test
    assert _wrap(line, prefix, indent) == expected
