"""The quick check for common addresses agrees with email-validator, whatever is typed."""

from __future__ import annotations

import string

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given
from hypothesis import strategies as st

from actkit.emails import _parse_common, parse_email

_TYPED = st.text(alphabet=string.ascii_letters + string.digits + "._%+-@!#'\"() äé", max_size=80)


def _full(address: str) -> tuple[str, str, str, str, bool] | None:
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None
    return (
        checked.normalized,
        checked.local_part,
        checked.domain,
        checked.ascii_domain,
        checked.smtputf8,
    )


@given(st.one_of(st.emails(), _TYPED, st.builds(lambda a, b: f"{a}@{b}", _TYPED, _TYPED)))
@example("postmaster@example.org")
@example("a..b@example.org")
@example(".a@example.org")
@example("a@localhost.localdomain")
@example("a@example.test")
@example("a@EXAMPLE.org")
@example("a@ab--cd.org")
@example("a@xn--bcher-kva.example")
@example("a@123.456")
@example("x" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".org")
def test_the_quick_check_gives_email_validators_answer_or_none(address: str) -> None:
    quick = _parse_common(address)
    if quick is not None:
        assert _full(address) == (
            quick.address,
            quick.local_part,
            quick.domain,
            quick.ascii_domain,
            quick.needs_smtputf8,
        )


@pytest.mark.parametrize(
    "address",
    ["supporter1@example.org", "a.b+c@mail.example.co.uk", "x_y%z-1@example.org"],
)
def test_common_addresses_take_the_quick_check(address: str) -> None:
    assert _parse_common(address) is not None
    assert parse_email(address).address == address


@pytest.mark.parametrize("address", ["Alex@Example.ORG", "ünï@example.org", "o'brien@example.org"])
def test_other_addresses_go_to_email_validator(address: str) -> None:
    assert _parse_common(address) is None
    assert parse_email(address).address == _full(address)[0]  # type: ignore[index]
