from datetime import date

import pytest

from actkit import nations
from actkit.workdays import add_working_days, is_working_day, last_working_day_on_or_before


def test_fifteen_working_days_after_a_tuesday_in_january_2027() -> None:
    assert add_working_days(date(2027, 1, 5), 15, "england") == date(2027, 1, 26)


def test_st_patricks_day_is_a_holiday_only_in_northern_ireland() -> None:
    assert not is_working_day(date(2027, 3, 17), "northern-ireland")
    assert is_working_day(date(2027, 3, 17), "england")


def test_scotland_has_the_second_of_january() -> None:
    assert not is_working_day(date(2027, 1, 4), "scotland")  # 2 January substitute day
    assert is_working_day(date(2027, 1, 4), "england")


@pytest.mark.parametrize("nation", [n.id for n in nations.NATIONS])
def test_christmas_2027_substitute_days_pull_back_to_christmas_eve(nation: str) -> None:
    assert last_working_day_on_or_before(date(2027, 12, 28), nation) == date(2027, 12, 24)


def test_counting_backwards_skips_easter() -> None:
    # Easter Monday 29 March 2027 and Good Friday 26 March are skipped.
    assert add_working_days(date(2027, 3, 30), -2, "england") == date(2027, 3, 24)


def test_nation_lookups() -> None:
    assert nations.by_gss_code("S14000027") == nations.by_id("scotland")
    assert nations.by_name(" northern ireland ") == nations.by_id("northern-ireland")
    assert nations.by_gss_code("X1") is None


def test_the_shipped_table_matches_the_holidays_package() -> None:
    """If this fails, the package knows of a new bank holiday: run python -m actkit.workdays."""
    import json
    from importlib.resources import files

    from actkit.workdays import TABLE, build_table

    shipped = json.loads((files("actkit") / "data" / TABLE).read_text(encoding="utf-8"))
    assert shipped["nations"] == build_table()["nations"]


def test_years_outside_the_table_ask_the_package() -> None:
    # 1 January 2099 is a Thursday and New Year's Day.
    assert not is_working_day(date(2099, 1, 1), "england")
    assert is_working_day(date(2099, 1, 2), "england")
