import pytest

from gmis.text import (
    digits_only,
    facility_code_error,
    format_phone,
    normalise,
    phone_error,
    with_check_digit,
)


@pytest.mark.parametrize("code", ["0110113719", "3410712362"])
def test_valid_facility_codes_from_the_specification(code):
    assert facility_code_error(code) is None


@pytest.mark.parametrize(
    ("code", "message_part"),
    [
        ("0110113718", "チェックデジット"),
        ("011011371", "10桁"),
        ("48101137190"[:10], "01〜47"),
        ("0120113719", "点数表"),
        ("abcdefghij", "10桁"),
    ],
)
def test_invalid_facility_codes_say_why(code, message_part):
    assert message_part in facility_code_error(code)


def test_check_digit_is_luhn_over_first_nine():
    assert with_check_digit("011011371") == "0110113719"
    assert with_check_digit("341071236") == "3410712362"


def test_full_width_input_is_normalised():
    assert digits_only("〒１６０－００２３") == "1600023"
    assert digits_only("０３−５３２１−１１１１") == "0353211111"
    assert normalise("  ｼﾝｼﾞｭｸ　ｸﾘﾆｯｸ ") == "シンジュク クリニック"


@pytest.mark.parametrize(("phone", "ok"), [("0353211111", True), ("09012345678", True),
                                            ("353211111", False), ("035321111", False)])
def test_phone_numbers(phone, ok):
    assert (phone_error(phone) is None) is ok


@pytest.mark.parametrize(("digits", "shown"), [("0353211111", "03-5321-1111"),
                                              ("0116116202", "011-611-6202"),
                                              ("09012345678", "090-1234-5678"),
                                              ("0557123456", "0557-12-3456"),
                                              ("12", "12")])
def test_phone_numbers_are_shown_with_hyphens_where_the_numbering_plan_puts_them(digits, shown):
    assert format_phone(digits) == shown
