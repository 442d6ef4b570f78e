"""医療機関マスタ: search, detail, edit; scoping and concurrency."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session
from gmis.models import AuditEvent, FacilityType, Role, SecondaryArea
from tests.fixtures.web import csrf_token


def area(code: str) -> SecondaryArea:
    return session.scalars(sa.select(SecondaryArea).where(SecondaryArea.code == code)).one()


def names_listed(html: str) -> list[str]:
    return re.findall(r'<a href="/facilities/\d+">([^<]+)</a>', html)


@pytest.fixture
def prefecture_user(make_user):
    return make_user(role=Role.prefecture, prefecture_code="13")


@pytest.fixture
def tokyo(make_facility):
    """Three Tokyo facilities and one in Osaka."""
    return {
        "hospital": make_facility(name="新宿中央病院", name_kana="シンジュクチュウオウビョウイン",
                                  secondary_area_id=area("1304").id),
        "clinic": make_facility(facility_type=FacilityType.clinic, name="髙橋医院",
                                name_kana="タカハシイイン", address="東京都八王子市元本郷町3-24-1",
                                secondary_area_id=area("1309").id),
        "pharmacy": make_facility(facility_type=FacilityType.pharmacy, name="みどり薬局",
                                  name_kana="ミドリヤッキョク",
                                  secondary_area_id=area("1304").id),
        "osaka": make_facility(prefecture_code="27", name="大阪南病院",
                               name_kana="オオサカミナミビョウイン"),
    }


# --- search --------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("新宿中央", ["新宿中央病院"]),
    ("しんじゅく", ["新宿中央病院"]),          # hiragana finds the katakana reading
    ("ﾀｶﾊｼ", ["髙橋医院"]),                   # half-width kana
    ("八王子市", ["髙橋医院"]),                 # address
    ("新宿 病院", ["新宿中央病院"]),            # every word must match
    ("薬局", ["みどり薬局"]),
    ("大阪", []),                              # another prefecture: outside the scope
    ("%", []),                                 # LIKE wildcards are literal
    ("髙橋\x00", ["髙橋医院"]),                 # a NUL byte (refused by PostgreSQL) is dropped
])
def test_search_by_text(signed_in, prefecture_user, tokyo, query, expected):
    page = signed_in(prefecture_user).get("/facilities", query_string={"q": query})
    assert page.status_code == 200
    assert names_listed(page.get_data(as_text=True)) == expected


def test_search_by_full_width_code(signed_in, prefecture_user, tokyo):
    code = tokyo["clinic"].code
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    html = signed_in(prefecture_user).get(f"/facilities?q={full_width}").get_data(as_text=True)
    assert names_listed(html) == ["髙橋医院"]
    assert "1件" in html


@pytest.mark.parametrize(("args", "expected"), [
    ({"type": "clinic"}, {"髙橋医院"}),
    ({"type": "pharmacy"}, {"みどり薬局"}),
    ({"area": "1304"}, {"新宿中央病院", "みどり薬局"}),
    ({"area": "1304", "type": "hospital"}, {"新宿中央病院"}),
    ({}, {"新宿中央病院", "髙橋医院", "みどり薬局"}),
])
def test_filter_by_type_and_area(signed_in, prefecture_user, tokyo, args, expected):
    html = signed_in(prefecture_user).get("/facilities", query_string=args).get_data(as_text=True)
    assert set(names_listed(html)) == expected
    assert f"{len(expected)}件" in html


def test_filter_by_designation(signed_in, prefecture_user, make_facility):
    from gmis.models import FacilityDesignation

    designated = make_facility(name="指定あり病院")
    designated.designations.append(FacilityDesignation(designation="outpatient_testing"))
    make_facility(name="指定なし病院")
    session.flush()
    html = signed_in(prefecture_user).get("/facilities?designation=outpatient_testing")
    assert names_listed(html.get_data(as_text=True)) == ["指定あり病院"]


def test_results_sorted_by_prefecture_then_kana(signed_in, make_user, tokyo):
    national = make_user(role=Role.national)
    html = signed_in(national).get("/facilities").get_data(as_text=True)
    assert names_listed(html) == ["新宿中央病院", "髙橋医院", "みどり薬局", "大阪南病院"]


def test_national_user_filters_by_prefecture(signed_in, make_user, tokyo):
    client = signed_in(make_user(role=Role.national))
    page = client.get("/facilities").get_data(as_text=True)
    assert '<select class="input" id="pref"' in page
    html = client.get("/facilities?pref=27").get_data(as_text=True)
    assert names_listed(html) == ["大阪南病院"]
    for bad in ("99", "%00", "東京"):
        refused = client.get(f"/facilities?pref={bad}")
        assert refused.status_code == 400
        assert "都道府県の指定が正しくありません。" in refused.get_data(as_text=True)
    assert "堺市" in html  # the area list follows the chosen prefecture


def test_choosing_a_prefecture_replaces_the_area_list(signed_in, make_user, tokyo):
    client = signed_in(make_user(role=Role.national))
    fragment = client.get("/facilities?pref=27&area=", headers={
        "HX-Request": "true", "HX-Trigger-Name": "pref"}).get_data(as_text=True)
    assert 'id="area-filter" hx-swap-oob="true"' in fragment
    assert '<option value="2706">堺市</option>' in fragment
    typing = client.get("/facilities?q=x", headers={"HX-Request": "true", "HX-Trigger-Name": "q"})
    assert "area-filter" not in typing.get_data(as_text=True)


def test_prefecture_filter_not_offered_to_a_prefecture(signed_in, prefecture_user, tokyo):
    client = signed_in(prefecture_user)
    assert 'id="pref"' not in client.get("/facilities").get_data(as_text=True)
    # ... and asking for another prefecture by URL does not widen the scope.
    assert "大阪南病院" not in client.get("/facilities?pref=27").get_data(as_text=True)


def test_htmx_request_gets_only_the_results_fragment(signed_in, prefecture_user, tokyo):
    client = signed_in(prefecture_user)
    fragment = client.get("/facilities?q=髙橋", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and "<form" not in body
    assert names_listed(body) == ["髙橋医院"]
    assert "HX-Request" in fragment.headers["Vary"]

    page = client.get("/facilities?q=髙橋").get_data(as_text=True)
    assert page.startswith("<!doctype html>")
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-target="#results"' in page and 'hx-push-url="true"' in page
    assert '<button class="button primary wide" type="submit">検索</button>' in page
    assert 'value="髙橋"' in page


def test_history_restore_gets_the_whole_page(signed_in, prefecture_user, tokyo):
    page = signed_in(prefecture_user).get("/facilities", headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in page.get_data(as_text=True)


@pytest.mark.parametrize(("args", "message"), [
    ("page=abc", "ページ番号が正しくありません。"),
    ("page=0", "ページ番号が正しくありません。"),
    ("page=%EF%BC%92", "ページ番号が正しくありません。"),  # full-width digit
    ("type=castle", "施設種別の指定が正しくありません。"),
    ("area=2701", "二次医療圏の指定が正しくありません。"),   # Osaka's area, Tokyo user
    ("area=99", "二次医療圏の指定が正しくありません。"),
    ("designation=x", "指定の種類が正しくありません。"),
])
def test_bad_filters_get_a_japanese_message_not_a_500(signed_in, prefecture_user, args,
                                                       message):
    client = signed_in(prefecture_user)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"/facilities?{args}", headers=headers)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_pagination(signed_in, prefecture_user, make_facility):
    for number in range(51):
        make_facility(name=f"ページ病院{number:02d}", name_kana=f"ページ{number:02d}")
    client = signed_in(prefecture_user)
    first = client.get("/facilities?q=ページ").get_data(as_text=True)
    assert "51件" in first and len(names_listed(first)) == 50
    assert 'href="/facilities?q=%E3%83%9A%E3%83%BC%E3%82%B8&amp;page=2"' in first
    second = client.get("/facilities?q=ページ&page=2").get_data(as_text=True)
    assert names_listed(second) == ["ページ病院50"]
    # A page past the end shows the last page rather than nothing.
    assert names_listed(client.get("/facilities?q=ページ&page=9").get_data(as_text=True)) == [
        "ページ病院50"]


# --- scoping -------------------------------------------------------------------------------

def test_prefecture_user_cannot_open_another_prefectures_facility(signed_in, prefecture_user,
                                                                   tokyo):
    client = signed_in(prefecture_user)
    assert client.get(f"/facilities/{tokyo['osaka'].id}").status_code == 404
    assert client.get(f"/facilities/{tokyo['hospital'].id}").status_code == 200
    assert client.get("/facilities/999999").status_code == 404


def test_facility_user_sees_only_its_own_facility(signed_in, make_user, tokyo):
    user = make_user(role=Role.facility, facility=tokyo["clinic"])
    client = signed_in(user)
    assert names_listed(client.get("/facilities").get_data(as_text=True)) == ["髙橋医院"]
    assert client.get(f"/facilities/{tokyo['clinic'].id}").status_code == 200
    assert client.get(f"/facilities/{tokyo['hospital'].id}").status_code == 404


def test_aggregator_sees_only_its_members(signed_in, make_user, tokyo):
    user = make_user(role=Role.aggregator)
    user.aggregator.members.extend([tokyo["clinic"], tokyo["pharmacy"]])
    session.flush()
    client = signed_in(user)
    html = client.get("/facilities").get_data(as_text=True)
    assert set(names_listed(html)) == {"髙橋医院", "みどり薬局"}
    assert client.get(f"/facilities/{tokyo['hospital'].id}").status_code == 404
    detail = client.get(f"/facilities/{tokyo['clinic'].id}").get_data(as_text=True)
    assert user.aggregator.name in detail  # the aggregators it belongs to


# --- detail --------------------------------------------------------------------------------

def test_detail_shows_the_master_fields(signed_in, prefecture_user, make_facility):
    facility = make_facility(name="新宿中央病院", insurance_code="1312345", beds=350,
                             latitude=35.6895, longitude=139.6917,
                             secondary_area_id=area("1304").id)
    html = signed_in(prefecture_user).get(f"/facilities/{facility.id}").get_data(as_text=True)
    for text in ("病院", facility.code, "1312345", "〒160-0023", "03-5321-1111", "350床",
                 "東京都", "区西部", "35.6895", "139.6917", facility.email, "編集"):
        assert text in html, text


def test_detail_has_no_edit_button_for_a_facility_user(signed_in, make_user):
    user = make_user(role=Role.facility)
    html = signed_in(user).get(f"/facilities/{user.facility_id}").get_data(as_text=True)
    assert "/edit" not in html
    assert "G-MIS事務局までご連絡ください" in html


# --- edit ----------------------------------------------------------------------------------

def edit_form(client, facility, **changes) -> dict:
    """The edit form as shown (its hidden token and current values), with ``changes``."""
    html = client.get(f"/facilities/{facility.id}/edit").get_data(as_text=True)
    stamp = re.search(r'id="updated_at" name="updated_at" type="hidden" value="([^"]*)"', html)
    data = {
        "csrf_token": csrf_token(client, f"/facilities/{facility.id}/edit"),
        "updated_at": stamp.group(1),
        "name": facility.name, "name_kana": facility.name_kana,
        "postal_code": facility.postal_code, "address": facility.address,
        "phone": facility.phone, "email": facility.email,
        "beds": "" if facility.beds is None else str(facility.beds),
        "secondary_area": str(facility.secondary_area_id or ""),
        "designations": sorted(facility.designation_keys),
        "latitude": "", "longitude": "", "insurance_code": facility.insurance_code or "",
    }
    return {**data, **changes}


def test_prefecture_user_edits_a_facility(signed_in, prefecture_user, make_facility):
    facility = make_facility(name="旧名称病院", beds=100)
    client = signed_in(prefecture_user)
    form = edit_form(
        client, facility,
        name="新名称病院", name_kana="しんめいしょうびょういん",
        phone="０３－１２３４－５６７８", postal_code="１６０－０００１", beds="1,200",
        secondary_area=str(area("1301").id), designations=["outpatient_testing", "pcr_testing"],
        latitude="35.6895", longitude="139.6917", email="Info@Example.JP",
    )
    response = client.post(f"/facilities/{facility.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/facilities/{facility.id}"

    session.expire_all()
    assert (facility.name, facility.name_kana) == ("新名称病院", "シンメイショウビョウイン")
    assert (facility.phone, facility.postal_code, facility.beds) == ("0312345678", "1600001", 1200)
    assert facility.secondary_area.code == "1301"
    assert facility.designation_keys == {"outpatient_testing", "pcr_testing"}
    assert (facility.latitude, facility.longitude) == (35.6895, 139.6917)

    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "facility.updated")).one()
    assert event.user_id == prefecture_user.id and event.object_id == str(facility.id)
    assert event.details["changes"]["name"] == ["旧名称病院", "新名称病院"]
    assert event.details["changes"]["beds"] == [100, 1200]
    assert "address" not in event.details["changes"]
    assert "医療機関の情報を更新しました。" in client.get(
        f"/facilities/{facility.id}").get_data(as_text=True)


def test_saving_an_unchanged_form_writes_nothing(signed_in, prefecture_user, make_facility):
    facility = make_facility()
    before = facility.updated_at
    client = signed_in(prefecture_user)
    assert client.post(f"/facilities/{facility.id}/edit",
                       data=edit_form(client, facility)).status_code == 302
    session.expire_all()
    assert facility.updated_at == before
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "facility.updated")) == 0


def test_edit_refused_for_a_facility_user(signed_in, make_user):
    user = make_user(role=Role.facility)
    client = signed_in(user)
    assert client.get(f"/facilities/{user.facility_id}/edit").status_code == 403
    token = csrf_token(client, "/home")
    response = client.post(f"/facilities/{user.facility_id}/edit",
                           data={"csrf_token": token, "name": "乗っ取り"})
    assert response.status_code == 403
    session.expire_all()
    assert user.facility.name != "乗っ取り"


def test_edit_of_another_prefectures_facility_is_not_found(signed_in, prefecture_user,
                                                           make_facility):
    osaka = make_facility(prefecture_code="27")
    client = signed_in(prefecture_user)
    assert client.get(f"/facilities/{osaka.id}/edit").status_code == 404
    response = client.post(f"/facilities/{osaka.id}/edit",
                           data={"csrf_token": csrf_token(client, "/home"), "name": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "　", "名称を入力してください。"),
    ("phone", "03-1234", "電話番号は0から始まる10桁または11桁の数字"),
    ("postal_code", "160-001", "郵便番号は7桁の数字で入力してください"),
    ("beds", "-3", "病床数は0以上の整数で入力してください。"),
    ("beds", "たくさん", "病床数は0以上の整数で入力してください。"),
    ("email", "info@", "メールアドレスの形式が正しくありません"),
    ("latitude", "139.69", "緯度は20〜46の範囲で入力してください"),
    ("longitude", "abc", "経度は数値(度単位の10進数)で入力してください。"),
    ("insurance_code", "12345", "保険医療機関コードは7桁または10桁の数字"),
    ("secondary_area", "9999999", "二次医療圏は一覧から選んでください。"),
    ("designations", ["bogus"], "指定は一覧から選んでください。"),
])
def test_invalid_input_is_refused_and_kept(signed_in, prefecture_user, make_facility, field,
                                            value, message):
    facility = make_facility(name="元の名称病院")
    client = signed_in(prefecture_user)
    form = edit_form(client, facility, address="東京都千代田区霞が関1-2-2", **{field: value})
    response = client.post(f"/facilities/{facility.id}/edit", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="東京都千代田区霞が関1-2-2"' in html  # what else was typed is kept
    if field not in ("name", "secondary_area", "designations"):  # typed text comes back
        assert f'value="{value}"' in html
    session.expire_all()
    assert facility.name == "元の名称病院"


def test_latitude_without_longitude_is_refused(signed_in, prefecture_user, make_facility):
    facility = make_facility()
    client = signed_in(prefecture_user)
    response = client.post(f"/facilities/{facility.id}/edit",
                           data=edit_form(client, facility, latitude="35.6"))
    assert response.status_code == 422
    assert "緯度と経度は両方入力するか" in response.get_data(as_text=True)


def test_area_of_another_prefecture_is_not_offered(signed_in, prefecture_user, make_facility):
    facility = make_facility()
    client = signed_in(prefecture_user)
    html = client.get(f"/facilities/{facility.id}/edit").get_data(as_text=True)
    assert "区西部" in html and "大阪市" not in html
    response = client.post(f"/facilities/{facility.id}/edit",
                           data=edit_form(client, facility, secondary_area=str(area("2708").id)))
    assert response.status_code == 422


def test_concurrent_edit_is_refused_with_409(signed_in, prefecture_user, make_user,
                                             make_facility):
    facility = make_facility(name="元の名称病院", phone="0311111111")
    client = signed_in(prefecture_user)
    mine = edit_form(client, facility, name="私の入力した名称", address="私の入力した住所")

    # Somebody else saves in between.
    facility.phone = "0322222222"
    facility.updated_at = facility.updated_at + timedelta(seconds=1)
    session.flush()

    response = client.post(f"/facilities/{facility.id}/edit", data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "ほかの方がこの医療機関の情報を更新しました" in html
    assert 'value="私の入力した名称"' in html and 'value="私の入力した住所"' in html
    assert "0322222222" in html  # what is stored now, shown next to what was typed
    session.expire_all()
    assert (facility.name, facility.phone) == ("元の名称病院", "0322222222")

    # Saving again after reading the differences is a deliberate overwrite.
    stamp = re.search(r'name="updated_at" type="hidden" value="([^"]*)"', html).group(1)
    again = client.post(f"/facilities/{facility.id}/edit", data={
        **mine, "updated_at": stamp, "csrf_token": csrf_token(client, "/home")})
    assert again.status_code == 302
    session.expire_all()
    assert facility.name == "私の入力した名称"


def test_tampered_stamp_is_treated_as_a_conflict(signed_in, prefecture_user, make_facility):
    facility = make_facility(name="元の名称病院")
    client = signed_in(prefecture_user)
    response = client.post(f"/facilities/{facility.id}/edit",
                           data=edit_form(client, facility, name="新", updated_at="yesterday"))
    assert response.status_code == 409
    session.expire_all()
    assert facility.name == "元の名称病院"


def test_edit_page_shows_code_and_type_read_only(signed_in, prefecture_user, make_facility):
    facility = make_facility(facility_type=FacilityType.pharmacy)
    html = signed_in(prefecture_user).get(f"/facilities/{facility.id}/edit").get_data(
        as_text=True)
    assert facility.code in html and "薬局" in html
    assert 'name="code"' not in html and 'name="facility_type"' not in html
