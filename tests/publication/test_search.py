"""The public search over the index: kana in any form, open now and at (public holidays too),
near a place, paging, and every malformed parameter refused with a Japanese reason."""

from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from gmis.models import FacilityType
from gmis.publication import indexing, search
from tests.publication.helpers import accepted_report, compiled_of, every_answer


@pytest.fixture
def published(builtin_survey, make_facility):
    survey = builtin_survey("pharmacy_function")

    def publish(name="さくら薬局", kana="サクラヤッキョク", latitude=35.69, longitude=139.69,
                **changes):
        facility = make_facility(facility_type=FacilityType.pharmacy, latitude=latitude,
                                 longitude=longitude)
        answers = {**every_answer(compiled_of(survey, facility)), "name": name,
                   "name_kana": kana, **changes}
        return indexing.publish(accepted_report(survey, facility, answers))

    return publish


def found(args, now=datetime(2026, 12, 4, 1, 0, tzinfo=UTC)):  # Friday 10:00 in Japan
    return [hit.listing.name for hit in search.search(search.parse(MultiDict(args)), now).hits]


@pytest.mark.parametrize("typed", ["さくら", "サクラ", "ｻｸﾗ", "ＳＡＫＵＲＡ", "ﾔｯｷｮｸ"])
def test_name_and_kana_match_however_typed(published, typed):
    published(name="SAKURA薬局さくら")
    published(name="あおば薬局", kana="アオバヤッキョク")
    names = found({"q": typed})
    assert "SAKURA薬局さくら" in names
    assert ("あおば薬局" in names) == (typed == "ﾔｯｷｮｸ")


def test_like_wildcards_are_letters(published):
    published(name="さくら薬局")
    assert found({"q": "%"}) == [] and found({"q": "_"}) == [] and found({"q": "\\"}) == []


def test_open_now_and_at_incl_public_holidays(published):
    published()
    assert found({"open": "now"}) == ["さくら薬局"]
    assert found({"open": "now"}, datetime(2026, 12, 6, 1, 0, tzinfo=UTC)) == []  # Sunday
    # 2026-11-23 勤労感謝の日 (a Monday) at 11:00: the holiday row (10:00-15:00) answers.
    assert found({"open": "now"}, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)) == ["さくら薬局"]
    assert found({"open": "now"}, datetime(2026, 11, 23, 6, 30, tzinfo=UTC)) == []
    assert found({"open": "at", "day": "sat", "time": "11:00"}) == ["さくら薬局"]
    assert found({"open": "at", "day": "sat", "time": "13:00"}) == []


def test_terms_and_flags(published):
    published()
    published(name="あおば薬局", kana="アオバ", languages=[], barrier_free=None)
    vocabulary = search.vocabulary()
    language = vocabulary["languages"][0][0]
    assert found({"language": language}) == ["さくら薬局"]
    flag = vocabulary["flags"][0][0]
    assert "さくら薬局" in found({"flag": flag})


def test_near_a_place_sorted_by_distance(published):
    published(name="近い薬局", kana="チカイ", latitude=35.690, longitude=139.700)
    published(name="遠い薬局", kana="トオイ", latitude=35.720, longitude=139.700)
    published(name="圏外の薬局", kana="ケンガイ", latitude=36.5, longitude=139.7)
    result = search.search(search.parse(MultiDict({"near": "35.689,139.700"})),
                           datetime(2026, 12, 4, tzinfo=UTC))
    assert [hit.listing.name for hit in result.hits] == ["近い薬局", "遠い薬局"]
    assert result.hits[0].distance < 0.2 < 3 < result.hits[1].distance < 4
    # Japan Post's data has no positions: the published facilities of the code stand for it.
    assert {"近い薬局", "遠い薬局"} <= set(found({"postal": "160-0023", "radius": "50"}))
    with pytest.raises(search.SearchRefused):
        found({"postal": "100-0001"})


def test_paging(published):
    for number in range(search.PER_PAGE + 3):
        published(name=f"薬局{number:02d}", kana=f"ヤッキョク{number:02d}")
    first = search.search(search.parse(MultiDict({"q": "やっきょく"})), datetime.now(UTC))
    second = search.search(search.parse(MultiDict({"q": "やっきょく"}), 2), datetime.now(UTC))
    assert first.total == search.PER_PAGE + 3 and len(first.hits) == search.PER_PAGE
    assert len(second.hits) == 3 and first.has_next and not second.has_next


@pytest.mark.parametrize("args", [
    {"q": "あ" * 101}, {"q": "さくら\x00"}, {"q": "a|b"}, {"pref": "99"}, {"pref": "1"},
    {"area": "x"}, {"type": "bank"}, {"open": "soon"}, {"open": "at", "day": "mon"},
    {"open": "at", "day": "funday", "time": "10:00"}, {"open": "at", "day": "mon", "time": "25:00"},
    {"near": "abc"}, {"near": "95,10"}, {"near": "nan,nan"}, {"postal": "12"},
    {"radius": "x"}, {"radius": "500"}, {"sort": "price"}, {"sort": "distance"},
    {"municipality": "区" * 41}, {"department": "x\u202e"},
    {"flag": [f"f{n}" for n in range(21)]},
])
def test_bad_parameters_are_refused_in_japanese(args):
    with pytest.raises(search.SearchRefused) as refused:
        search.parse(MultiDict(args))
    assert not refused.value.message.isascii()


def test_a_condition_two_reports_label_alike_is_one_choice_finding_both(
        builtin_survey, make_facility, published):
    medical = builtin_survey("medical_function")
    clinic = make_facility(facility_type=FacilityType.clinic)
    answers = every_answer(compiled_of(medical, clinic))
    indexing.publish(accepted_report(medical, clinic, {
        **answers, "name": "みなと内科", "barrier_free": ["accessible_toilet"]}))
    published(name="みなと薬局", barrier_free=["wheelchair_toilet"])
    choices = [value for value, label in search.vocabulary()["flags"]
               if label == "車椅子で使えるトイレ"]
    assert len(choices) == 1 and sorted(choices[0].split("|")) == [
        "barrier_free.accessible_toilet", "barrier_free.wheelchair_toilet"]
    assert sorted(found({"flag": choices[0]})) == ["みなと内科", "みなと薬局"]
    assert found({"flag": "barrier_free.wheelchair_toilet"}) == ["みなと薬局"]
