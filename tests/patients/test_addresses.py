"""State, ZIP code and phone number as patients type them (patients.addresses, pure)."""

import pytest

from patients.addresses import state_code_or_none, us_phone_or_none, zip_code_or_none


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("IL", "IL"),
        ("il", "IL"),
        (" Illinois ", "IL"),
        ("new york", "NY"),
        ("District of Columbia", "DC"),
        ("pr", "PR"),
        ("AE", "AE"),
        ("XX", None),
        ("Ilinois", None),
        ("I", None),
    ],
)
def test_a_state_is_its_code_or_its_name(typed, code):
    assert state_code_or_none(typed) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("62704", "62704"),
        (" 62704 ", "62704"),
        ("62704-1234", "62704-1234"),
        ("627041234", "62704-1234"),
        ("62704 1234", "62704-1234"),
        ("6270", None),
        ("62704-12", None),
        ("6270A", None),
        ("1234567890", None),
    ],
)
def test_a_zip_code_is_5_or_9_digits(typed, code):
    assert zip_code_or_none(typed) == code


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2175550142", "(217) 555-0142"),
        ("217-555-0142", "(217) 555-0142"),
        ("(217) 555-0142", "(217) 555-0142"),
        ("+1 217.555.0142", "(217) 555-0142"),
        ("1 (217) 555 0142", "(217) 555-0142"),
        ("217-555-0142 ext. 12", "(217) 555-0142 ext. 12"),
        ("217 555 0142 x3", "(217) 555-0142 ext. 3"),
        ("555-0142", None),
        ("117-555-0142", None),
        ("+44 20 7946 0958", None),
        ("217-555-0142 call after 5", None),
        ("", None),
    ],
)
def test_a_phone_number_is_10_us_digits_with_an_optional_extension(typed, number):
    assert us_phone_or_none(typed) == number
