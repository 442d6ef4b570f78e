"""郵便番号検索: the address a postal code determines, from Japan Post's bundled data."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from gmis.postal import PostalAddress, lookup


@pytest.mark.parametrize("typed", ["1600023", "160-0023", "〒160-0023", "１６０－００２３",
                                   " 〒１６０ー００２３ "])
def test_lookup_accepts_what_people_type(typed):
    assert lookup(typed) == PostalAddress(
        postal_code="1600023", prefecture="東京都", prefecture_code="13", city="新宿区",
        town="西新宿",
    )


def test_address_is_prefecture_city_and_town():
    assert lookup("1000001").address == "東京都千代田区千代田"
    assert lookup("5300001").address == "大阪府大阪市北区梅田"
    assert lookup("5300001").prefecture_code == "27"
    assert lookup("0600000").prefecture_code == "01"  # leading zero kept


def test_code_covering_the_rest_of_a_city_has_no_town():
    # Japan Post lists these as 以下に掲載がない場合, which is not a town name.
    found = lookup("1000000")
    assert found.town == ""
    assert found.address == "東京都千代田区"


def test_code_shared_by_several_towns_keeps_only_the_common_part():
    found = lookup("0680546")  # 夕張市 南部青葉町 / 南部菊水町
    assert found.address == "北海道夕張市"


@pytest.mark.parametrize("code", ["9999999", "0000000", "160002", "16000230", "", None,
                                  "abcdefg", "0608621"])
def test_unknown_malformed_and_business_codes_find_nothing(code):
    # 0608621 is a large business site's own code (大口事業所個別番号): not an address.
    assert lookup(code) is None


def test_lookup_works_from_several_threads_at_once():
    codes = ["1600023", "1000001", "5300001", "9999999"] * 25
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lookup, codes))
    assert [r.address if r else None for r in results[:4]] == [
        "東京都新宿区西新宿", "東京都千代田区千代田", "大阪府大阪市北区梅田", None,
    ]
    assert results[:4] * 25 == results
