from datetime import date

import pytest

from settlements.fiscal import FinancialYear, add_months, is_month_end, step_months


def test_31_march_belongs_to_the_year_ending():
    assert FinancialYear.for_date(date(2021, 3, 31)) == FinancialYear(2020)


def test_1_april_starts_the_next_year():
    assert FinancialYear.for_date(date(2021, 4, 1)) == FinancialYear(2021)


def test_label_start_and_end():
    fy = FinancialYear.parse("2020/21")
    assert str(fy) == "2020/21"
    assert fy.start == date(2020, 4, 1)
    assert fy.end == date(2021, 3, 31)


def test_century_label():
    assert str(FinancialYear(1999)) == "1999/00"
    assert FinancialYear.parse("1999/00") == FinancialYear(1999)


def test_leap_year_end_of_february_is_inside_the_year():
    fy = FinancialYear.parse("2023/24")
    assert date(2024, 2, 29) in fy
    assert FinancialYear.for_date(date(2024, 2, 29)) == fy


def test_ordering_next_and_previous():
    fy = FinancialYear(2020)
    assert fy.previous() < fy < fy.next()
    assert str(fy.next()) == "2021/22"
    assert str(fy.previous()) == "2019/20"
    assert sorted([fy.next(), fy.previous(), fy]) == [fy.previous(), fy, fy.next()]


@pytest.mark.parametrize("label", ["2020/22", "20/21", "", "2020-21", "2020/2021", "abcd/ef", " 2020/ 21", "2020/21x"])
def test_malformed_or_inconsistent_labels_say_what_a_label_looks_like(label):
    with pytest.raises(ValueError, match="written like 2020/21"):
        FinancialYear.parse(label)


def test_inconsistent_label_suggests_the_right_one():
    with pytest.raises(ValueError, match="did you mean 2020/21"):
        FinancialYear.parse("2020/22")


def test_none_is_refused_like_an_empty_label():
    with pytest.raises(ValueError, match="written like 2020/21"):
        FinancialYear.parse(None)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2020, 4, 1), 18, date(2021, 10, 1)),
        (date(2020, 11, 30), 3, date(2021, 2, 28)),
    ],
)
def test_add_months_holds_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 9, 29), False),
        (date(2024, 9, 30), True),
        (date(2024, 10, 1), False),
        (date(2023, 2, 28), True),
        (date(2024, 2, 28), False),
        (date(2024, 2, 29), True),
        (date(2024, 12, 31), True),
    ],
)
def test_is_month_end_knows_each_months_last_day(day, expected):
    assert is_month_end(day) is expected


@pytest.mark.parametrize(
    ("first", "months", "expected"),
    [
        # From a month's last day: the last day of each later month.
        (date(2024, 9, 30), 6, date(2025, 3, 31)),
        (date(2024, 9, 30), 12, date(2025, 9, 30)),
        (date(2024, 9, 30), 5, date(2025, 2, 28)),
        (date(2023, 2, 28), 1, date(2023, 3, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 4, 30), 0, date(2024, 4, 30)),
        # The day before and the day after a month end keep their day of the month.
        (date(2024, 9, 29), 6, date(2025, 3, 29)),
        (date(2024, 10, 1), 6, date(2025, 4, 1)),
        (date(2024, 2, 28), 1, date(2024, 3, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2024, 1, 30), 2, date(2024, 3, 30)),
    ],
)
def test_step_months_keeps_month_end_terms(first, months, expected):
    assert step_months(first, months) == expected
