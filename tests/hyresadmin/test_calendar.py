"""Working days, nth working day, rent due dates and service-level deadlines (hyresadmin.calendar)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyresadmin.calendar import (
    add_working_days,
    holidays_in_year,
    is_working_day,
    last_working_day_before,
    next_working_day_after,
    next_working_day_on_or_after,
    nth_working_day,
    service_level_due,
    working_days_in_month,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
months = st.tuples(st.integers(2000, 2099), st.integers(1, 12))


def D(text: str) -> date:
    return date.fromisoformat(text)


def local(text: str) -> datetime:
    """An aware Stockholm datetime from ISO text without offset."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


# --- holidays -----------------------------------------------------------------------------------------------

NON_WORKING_WEEKDAYS = [
    # 2024
    "2024-01-01",  # nyårsdagen (Mon)
    "2024-03-29",  # långfredagen
    "2024-04-01",  # annandag påsk
    "2024-05-01",  # första maj (Wed)
    "2024-05-09",  # Kristi himmelsfärdsdag
    "2024-06-06",  # nationaldagen (Thu)
    "2024-06-21",  # midsommarafton
    "2024-12-24",  # julafton (Tue)
    "2024-12-25",
    "2024-12-26",
    "2024-12-31",  # nyårsafton (Tue)
    # 2025
    "2025-01-01",
    "2025-01-06",  # trettondedag jul (Mon)
    "2025-04-18",  # långfredagen
    "2025-04-21",  # annandag påsk
    "2025-05-01",
    "2025-05-29",  # Kristi himmelsfärdsdag
    "2025-06-06",  # nationaldagen (Fri)
    "2025-06-20",  # midsommarafton
    "2025-12-24",
    "2025-12-25",
    "2025-12-26",
    "2025-12-31",
    # 2026
    "2026-01-01",
    "2026-01-06",  # Tue
    "2026-04-03",
    "2026-04-06",
    "2026-05-01",  # Fri
    "2026-05-14",
    "2026-06-19",  # midsommarafton
    "2026-12-24",
    "2026-12-25",
    "2026-12-31",
    # 2027
    "2027-01-01",
    "2027-01-06",  # Wed
    "2027-03-26",
    "2027-03-29",
    "2027-05-06",
    "2027-06-25",  # midsommarafton
    "2027-12-24",  # Fri
    "2027-12-31",  # Fri
]


@pytest.mark.parametrize("day", NON_WORKING_WEEKDAYS)
def test_holidays_on_weekdays_are_not_working_days(day):
    d = D(day)
    assert d.weekday() < 5, "table error: these are all weekdays"
    assert not is_working_day(d)


HOLIDAYS_ON_WEEKENDS = [
    "2024-01-06",  # trettondedag jul, Saturday
    "2024-06-22",  # midsommardagen
    "2024-11-02",  # alla helgons dag
    "2025-06-21",  # midsommardagen, Saturday
    "2025-11-01",  # alla helgons dag, Saturday
    "2025-04-20",  # påskdagen
    "2025-06-08",  # pingstdagen
    "2026-06-06",  # nationaldagen, Saturday
    "2026-10-31",  # alla helgons dag
    "2026-12-26",  # annandag jul, Saturday
    "2027-05-01",  # första maj, Saturday
    "2027-06-06",  # nationaldagen, Sunday
    "2027-12-25",
    "2027-12-26",
]


@pytest.mark.parametrize("day", HOLIDAYS_ON_WEEKENDS)
def test_holidays_on_weekends_are_in_the_holiday_set(day):
    d = D(day)
    assert d in holidays_in_year(d.year)
    assert not is_working_day(d)


WORKING_DAYS = [
    "2024-01-02",
    "2024-06-20",  # Thursday before midsommarafton
    "2024-12-23",
    "2024-12-27",
    "2024-12-30",
    "2025-01-02",
    "2025-01-07",
    "2025-04-17",  # skärtorsdagen is a working day
    "2025-04-22",
    "2025-05-30",  # klämdag, still a working day
    "2025-06-09",  # annandag pingst: not a holiday since 2005
    "2025-06-19",
    "2025-10-31",
    "2025-12-23",
    "2025-12-29",
    "2025-12-30",
    "2026-01-02",
    "2026-01-05",
    "2026-01-07",
    "2026-04-02",
    "2026-04-07",
    "2026-06-05",
    "2026-12-30",
    "2027-01-04",
    "2027-01-05",
    "2027-01-07",
    "2027-12-30",
]


@pytest.mark.parametrize("day", WORKING_DAYS)
def test_working_days(day):
    assert is_working_day(D(day))


EASTER_SUNDAY = {2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28"}


@pytest.mark.parametrize("year", sorted(EASTER_SUNDAY))
def test_holiday_set_is_public_holidays_plus_three_eves(year):
    days = holidays_in_year(year)
    easter = D(EASTER_SUNDAY[year])
    fixed = {(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)}
    moving = {
        easter - timedelta(2),  # långfredagen
        easter,
        easter + timedelta(1),  # annandag påsk
        easter + timedelta(39),  # Kristi himmelsfärdsdag
        easter + timedelta(49),  # pingstdagen
    }
    midsummer_eve = next(date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4)
    all_saints = next(
        date(year, 10, 31) + timedelta(i)
        for i in range(7)
        if (date(year, 10, 31) + timedelta(i)).weekday() == 5
    )
    expected = (
        {date(year, m, d) for m, d in fixed}
        | moving
        | {midsummer_eve, midsummer_eve + timedelta(1), all_saints}
    )
    assert days == expected
    # Not included: påskafton, pingstafton, annandag pingst (removed 2005).
    assert easter - timedelta(1) not in days
    assert easter + timedelta(48) not in days
    assert easter + timedelta(50) not in days


def test_weekends_are_not_working_days():
    assert not is_working_day(D("2025-03-08"))
    assert not is_working_day(D("2025-03-09"))


def test_is_working_day_rejects_datetime():
    with pytest.raises(TypeError):
        is_working_day(datetime(2025, 3, 10, 9, 0))


# --- nth working day ----------------------------------------------------------------------------------------

NTH = [
    # January: 1 Jan holiday, 6 Jan holiday
    (2024, 1, 1, "2024-01-02"),
    (2024, 1, 2, "2024-01-03"),
    (2025, 1, 1, "2025-01-02"),
    (2025, 1, 2, "2025-01-03"),
    (2025, 1, 3, "2025-01-07"),  # 4–5 weekend, 6 trettondedag
    (2026, 1, 1, "2026-01-02"),
    (2026, 1, 2, "2026-01-05"),
    (2026, 1, 3, "2026-01-07"),  # 6 Jan Tuesday
    (2027, 1, 1, "2027-01-04"),
    (2027, 1, 2, "2027-01-05"),
    (2027, 1, 3, "2027-01-07"),  # 6 Jan Wednesday
    # months starting on a weekend
    (2024, 12, 2, "2024-12-03"),  # 1 Dec Sunday
    (2025, 2, 2, "2025-02-04"),  # 1 Feb Saturday
    (2025, 3, 2, "2025-03-04"),
    (2025, 6, 2, "2025-06-03"),  # 1 Jun Sunday
    (2025, 11, 2, "2025-11-04"),  # 1 Nov alla helgons dag, Saturday
    (2026, 2, 2, "2026-02-03"),
    (2026, 8, 2, "2026-08-04"),
    (2026, 11, 2, "2026-11-03"),
    (2027, 5, 2, "2027-05-04"),  # 1 May Saturday
    # holidays early in the month
    (2026, 5, 1, "2026-05-04"),  # 1 May Friday
    (2026, 5, 2, "2026-05-05"),
    (2026, 4, 2, "2026-04-02"),
    (2026, 4, 3, "2026-04-07"),  # långfredag 3, annandag påsk 6
    (2025, 6, 5, "2025-06-09"),  # 6 Jun nationaldag
    # December from the end: 24–26 and 31 are not working days
    (2024, 12, -1, "2024-12-30"),
    (2024, 12, -2, "2024-12-27"),
    (2024, 12, -3, "2024-12-23"),
    (2025, 12, -1, "2025-12-30"),
    (2025, 12, -2, "2025-12-29"),
    (2025, 12, -3, "2025-12-23"),
    (2025, 12, -4, "2025-12-22"),
    (2026, 12, -1, "2026-12-30"),
    (2026, 12, -2, "2026-12-29"),
    (2026, 12, -3, "2026-12-28"),
    (2026, 12, -4, "2026-12-23"),
    (2027, 12, -1, "2027-12-30"),
    (2027, 12, -2, "2027-12-29"),
    (2027, 12, -3, "2027-12-28"),
    (2027, 12, -4, "2027-12-27"),
    (2027, 12, -5, "2027-12-23"),
    # other month ends
    (2025, 5, -1, "2025-05-30"),
    (2025, 10, -1, "2025-10-31"),
    (2026, 10, -1, "2026-10-30"),
    (2025, 6, -1, "2025-06-30"),
]


@pytest.mark.parametrize(("year", "month", "n", "expected"), NTH)
def test_nth_working_day(year, month, n, expected):
    assert nth_working_day(year, month, n) == D(expected)


def test_nth_working_day_zero_is_an_error():
    with pytest.raises(ValueError):
        nth_working_day(2025, 1, 0)


@pytest.mark.parametrize("n", [20, 21, -20, -21, 40])
def test_nth_working_day_beyond_the_month_is_an_error(n):
    # December 2025 has 19 working days.
    assert len(working_days_in_month(2025, 12)) == 19
    with pytest.raises(ValueError):
        nth_working_day(2025, 12, n)


def test_nth_working_day_at_the_edge_of_the_month():
    assert nth_working_day(2025, 12, 19) == D("2025-12-30")
    assert nth_working_day(2025, 12, -19) == D("2025-12-01")


def test_working_days_in_month():
    assert working_days_in_month(2025, 6) == [
        D(x)
        for x in [
            "2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05",
            "2025-06-09", "2025-06-10", "2025-06-11", "2025-06-12", "2025-06-13",
            "2025-06-16", "2025-06-17", "2025-06-18", "2025-06-19",
            "2025-06-23", "2025-06-24", "2025-06-25", "2025-06-26", "2025-06-27",
            "2025-06-30",
        ]
    ]  # fmt: skip


# --- rent due dates (jordabalken 12:20: last vardag before the month begins) ----------------------------------

RENT_DUE = {
    # rent for the month starting on the key date is due on the value
    "2025-01-01": "2024-12-30",  # 31 Dec nyårsafton
    "2025-02-01": "2025-01-31",
    "2025-03-01": "2025-02-28",
    "2025-04-01": "2025-03-31",
    "2025-05-01": "2025-04-30",
    "2025-06-01": "2025-05-30",
    "2025-07-01": "2025-06-30",
    "2025-08-01": "2025-07-31",
    "2025-09-01": "2025-08-29",
    "2025-10-01": "2025-09-30",
    "2025-11-01": "2025-10-31",
    "2025-12-01": "2025-11-28",
    "2026-01-01": "2025-12-30",
    "2026-02-01": "2026-01-30",
    "2026-03-01": "2026-02-27",
    "2026-04-01": "2026-03-31",
    "2026-05-01": "2026-04-30",
    "2026-06-01": "2026-05-29",
    "2026-07-01": "2026-06-30",
    "2026-08-01": "2026-07-31",
    "2026-09-01": "2026-08-31",
    "2026-10-01": "2026-09-30",
    "2026-11-01": "2026-10-30",  # 31 Oct alla helgons dag (Saturday anyway)
    "2026-12-01": "2026-11-30",
    "2027-01-01": "2026-12-30",
}


@pytest.mark.parametrize(("first", "due"), RENT_DUE.items())
def test_rent_due_dates(first, due):
    assert last_working_day_before(D(first)) == D(due)


def test_last_working_day_before_a_working_day_is_the_previous_one():
    assert last_working_day_before(D("2025-03-12")) == D("2025-03-11")
    assert last_working_day_before(D("2025-03-10")) == D("2025-03-07")  # Monday → Friday
    assert last_working_day_before(D("2025-04-22")) == D("2025-04-17")  # across Easter


# --- add_working_days / next working day -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-03-10", 0, "2025-03-10"),
        ("2025-03-08", 0, "2025-03-08"),  # n=0 leaves a Saturday alone
        ("2025-03-10", 1, "2025-03-11"),
        ("2025-03-14", 1, "2025-03-17"),
        ("2025-03-08", 1, "2025-03-10"),
        ("2025-12-23", 1, "2025-12-29"),
        ("2025-12-23", 2, "2025-12-30"),
        ("2025-12-23", 3, "2026-01-02"),
        ("2025-04-17", 1, "2025-04-22"),
        ("2025-03-10", -1, "2025-03-07"),
        ("2025-12-29", -1, "2025-12-23"),
        ("2026-01-02", -2, "2025-12-29"),
        ("2025-03-10", 10, "2025-03-24"),
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


def test_next_working_day():
    assert next_working_day_on_or_after(D("2025-06-20")) == D("2025-06-23")
    assert next_working_day_on_or_after(D("2025-06-19")) == D("2025-06-19")
    assert next_working_day_after(D("2025-06-19")) == D("2025-06-23")
    assert next_working_day_after(D("2025-12-30")) == D("2026-01-02")


# --- service level ----------------------------------------------------------------------------------------------

SERVICE_LEVEL = [
    # (received, working days, due)
    (local("2025-03-10T10:00"), 3, "2025-03-12"),  # Monday morning: Monday is day 1
    (local("2025-03-10T13:00"), 3, "2025-03-13"),  # Monday afternoon: Tuesday is day 1
    (local("2025-03-10T12:00"), 3, "2025-03-12"),  # exactly 12:00 is in time
    (local("2025-03-10T12:00:00.000001"), 3, "2025-03-13"),
    (local("2025-03-10T12:00:01"), 3, "2025-03-13"),
    (local("2025-03-10T11:59:59"), 1, "2025-03-10"),
    (local("2025-03-10T00:00"), 1, "2025-03-10"),
    (local("2025-03-10T23:59"), 1, "2025-03-11"),
    (local("2025-03-14T09:00"), 1, "2025-03-14"),  # Friday morning
    (local("2025-03-14T15:00"), 1, "2025-03-17"),  # Friday afternoon → Monday
    (local("2025-03-14T15:00"), 3, "2025-03-19"),
    (local("2025-03-15T09:00"), 3, "2025-03-19"),  # Saturday → Mon, Tue, Wed
    (local("2025-03-16T18:00"), 3, "2025-03-19"),  # Sunday
    (local("2025-05-29T09:00"), 2, "2025-06-02"),  # Kristi himmelsfärd morning: not a working day
    (local("2025-04-18T10:00"), 1, "2025-04-22"),  # långfredag → Tuesday after annandag påsk
    (local("2025-06-20T08:00"), 1, "2025-06-23"),  # midsommarafton
    (local("2025-12-23T09:00"), 3, "2025-12-30"),  # 23 Dec, 29 Dec, 30 Dec
    (local("2025-12-23T14:00"), 2, "2025-12-30"),  # 29 Dec is day 1
    (local("2025-12-24T10:00"), 1, "2025-12-29"),  # julafton
    (local("2025-12-30T13:00"), 1, "2026-01-02"),  # over nyårsafton and nyårsdagen
    # Fri 20 Dec 2024 afternoon: day 1 Mon 23 Dec, 2 Fri 27, 3 Mon 30, 4 Thu 2 Jan, 5 Fri 3 Jan
    (local("2024-12-20T16:00"), 5, "2025-01-03"),
]


@pytest.mark.parametrize(("received", "working_days", "due"), SERVICE_LEVEL)
def test_service_level_due(received, working_days, due):
    assert service_level_due(received, working_days) == D(due)


def test_service_level_utc_in_summer():
    # 10:30 UTC is 12:30 CEST: too late, Tuesday is day 1.
    assert service_level_due(datetime(2025, 6, 16, 10, 30, tzinfo=UTC), 1) == D("2025-06-17")
    # 09:59 UTC is 11:59 CEST: Monday is day 1.
    assert service_level_due(datetime(2025, 6, 16, 9, 59, tzinfo=UTC), 1) == D("2025-06-16")
    # 10:00 UTC is exactly 12:00 CEST.
    assert service_level_due(datetime(2025, 6, 16, 10, 0, tzinfo=UTC), 1) == D("2025-06-16")


def test_service_level_utc_in_winter():
    # 11:00 UTC is exactly 12:00 CET; 11:30 UTC is 12:30.
    assert service_level_due(datetime(2025, 1, 13, 11, 0, tzinfo=UTC), 1) == D("2025-01-13")
    assert service_level_due(datetime(2025, 1, 13, 11, 30, tzinfo=UTC), 1) == D("2025-01-13") + timedelta(1)


def test_service_level_utc_date_differs_from_stockholm_date():
    # Sunday 23:30 UTC is Monday 00:30 in Stockholm (winter): Monday is day 1.
    assert service_level_due(datetime(2025, 3, 9, 23, 30, tzinfo=UTC), 3) == D("2025-03-12")


def test_service_level_naive_is_stockholm_time():
    assert service_level_due(datetime(2025, 6, 16, 12, 30), 1) == D("2025-06-17")
    assert service_level_due(datetime(2025, 6, 16, 11, 30), 1) == D("2025-06-16")


@pytest.mark.parametrize("n", [0, -1])
def test_service_level_needs_at_least_one_day(n):
    with pytest.raises(ValueError):
        service_level_due(local("2025-03-10T10:00"), n)


# --- properties ---------------------------------------------------------------------------------------------------


@given(dates, st.integers(1, 60))
def test_add_positive_working_days_lands_on_a_working_day(d, n):
    result = add_working_days(d, n)
    assert is_working_day(result)
    assert result > d
    # exactly n working days in (d, result]
    count = sum(is_working_day(d + timedelta(i)) for i in range(1, (result - d).days + 1))
    assert count == n


@given(dates, st.integers(1, 60))
def test_add_negative_working_days_inverts_positive(d, n):
    start = next_working_day_on_or_after(d)
    assert add_working_days(add_working_days(start, n), -n) == start


@given(months)
def test_first_and_second_working_day(ym):
    year, month = ym
    first, second = nth_working_day(year, month, 1), nth_working_day(year, month, 2)
    assert first < second
    for d in (first, second):
        assert is_working_day(d)
        assert (d.year, d.month) == (year, month)
    # nothing working before the first
    assert all(not is_working_day(date(year, month, day)) for day in range(1, first.day))


@given(months)
def test_last_working_day_is_the_max(ym):
    year, month = ym
    days = working_days_in_month(year, month)
    assert nth_working_day(year, month, -1) == max(days)
    assert nth_working_day(year, month, 1) == min(days)
    assert days == sorted(days)
    assert all(is_working_day(d) for d in days)


@given(dates)
def test_last_working_day_before(d):
    result = last_working_day_before(d)
    assert result < d
    assert is_working_day(result)
    assert not any(is_working_day(result + timedelta(i)) for i in range(1, (d - result).days))


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 1), timezones=st.just(STOCKHOLM)
    ),
    st.integers(1, 30),
)
def test_service_level_due_is_a_working_day_and_monotone(received, n):
    due = service_level_due(received, n)
    assert is_working_day(due)
    assert due >= received.astimezone(STOCKHOLM).date()
    assert service_level_due(received, n + 1) == next_working_day_after(due)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 1), timezones=st.just(UTC)))
def test_service_level_due_accepts_any_timezone(received):
    assert service_level_due(received, 1) == service_level_due(received.astimezone(STOCKHOLM), 1)
