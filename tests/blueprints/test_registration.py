"""新規ユーザ登録申請: the public form, the prefecture's review, and the e-mails that follow."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import (
    ApplicationStatus,
    AuditEvent,
    Facility,
    FacilityType,
    RegistrationApplication,
    Role,
    User,
)
from gmis.registration import operations
from gmis.text import with_check_digit
from tests.fixtures.web import post_form, sign_in

TOKYO_HOSPITAL = with_check_digit("131012345")
TOKYO_PHARMACY = with_check_digit("134012345")
OSAKA_HOSPITAL = with_check_digit("271012345")
NEW_PASSWORD = "Nishishinjuku28Go"

FORM = {
    "facility_type": "hospital",
    "facility_code": TOKYO_HOSPITAL,
    "insurance_code": "",
    "facility_name": "都庁前記念病院",
    "postal_code": "1600023",
    "address": "東京都新宿区西新宿2-8-1",
    "phone": "0353211111",
    "contact_name": "新宿 花子",
    "email": "hanako@example.jp",
    "email_confirm": "hanako@example.jp",
}


def to_fullwidth(text: str) -> str:
    return text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})


def apply(client, **changes):
    return post_form(client, "/registration", {**FORM, **changes})


def application_count() -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(RegistrationApplication))


@pytest.fixture
def make_application():
    def make(**fields) -> RegistrationApplication:
        code = fields.pop("facility_code", TOKYO_HOSPITAL)
        application = RegistrationApplication(**{
            "facility_type": FacilityType.hospital, "facility_code": code,
            "facility_name": "都庁前記念病院", "postal_code": "1600023",
            "address": "東京都新宿区西新宿2-8-1", "phone": "0353211111",
            "contact_name": "新宿 花子", "email": "hanako@example.jp",
            "prefecture_code": code[:2], **fields,
        })
        session.add(application)
        session.flush()
        application.number = f"20240401{application.id:06d}"
        session.flush()
        return application

    return make


# --- the whole flow ------------------------------------------------------------------------

def test_applicant_applies_prefecture_approves_and_applicant_signs_in(
    app, client, make_user, inbox, deliver_mail
):
    applicant = app.test_client()
    typed_code = to_fullwidth(f"{TOKYO_HOSPITAL[:2]}-{TOKYO_HOSPITAL[2:]}")
    response = apply(
        applicant,
        facility_code=typed_code,
        insurance_code="１０１２３４５",
        facility_name="医療法人ＡＢＣ会　都庁前記念病院",
        postal_code="〒１６０－００２３",
        address="東京都新宿区西新宿２－８－１",
        phone="03-5321-1111",
        contact_name="新宿　花子",
        email="Hanako@Example.JP",
        email_confirm="Ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ",
    )
    assert response.status_code == 303
    stored = session.scalars(sa.select(RegistrationApplication)).one()
    assert (stored.facility_code, stored.insurance_code, stored.postal_code, stored.phone) == (
        TOKYO_HOSPITAL, "1012345", "1600023", "0353211111")
    assert stored.facility_name == "医療法人ABC会 都庁前記念病院"
    assert stored.address == "東京都新宿区西新宿2-8-1"
    assert stored.contact_name == "新宿 花子"
    assert stored.email == "Hanako@example.jp"
    assert stored.prefecture_code == "13" and stored.status == ApplicationStatus.pending
    day = stored.submitted_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y%m%d")
    assert stored.number == f"{day}{stored.id:06d}"

    done = applicant.get(response.headers["Location"])
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert stored.number in page and "都庁前記念病院" in page and "1〜2週間" in page

    deliver_mail()
    (receipt,) = inbox.to("Hanako@example.jp")
    assert stored.number in receipt["Subject"]
    assert "東京都" in receipt.get_content()
    inbox.messages.clear()

    sign_in(client, make_user(role=Role.prefecture))
    reviewer = client
    listing = reviewer.get("/registrations").get_data(as_text=True)
    assert stored.number in listing and "承認待ち" in listing
    detail = reviewer.get(f"/registrations/{stored.id}").get_data(as_text=True)
    assert "登録されていません" in detail
    response = post_form(reviewer, f"/registrations/{stored.id}/approve", {},
                         page=f"/registrations/{stored.id}")
    assert response.status_code == 303

    facility = session.scalars(sa.select(Facility).where(Facility.code == TOKYO_HOSPITAL)).one()
    assert (facility.name, facility.prefecture_code, facility.insurance_code) == (
        "医療法人ABC会 都庁前記念病院", "13", "1012345")
    assert stored.status == ApplicationStatus.approved and stored.decided_at is not None

    deliver_mail()
    (issued,) = inbox.to("Hanako@example.jp")
    body = issued.get_content()
    assert "アカウント発行" in issued["Subject"]
    login_id = re.search(r"ログインID\): (\S+)", body).group(1)
    link = re.search(r"http://gmis\.test(/password/set/\S+)", body).group(1)
    user = session.scalars(sa.select(User).where(User.login_id == login_id)).one()
    assert user.facility_id == facility.id and user.name == "新宿 花子"
    assert stored.user_id == user.id

    response = post_form(applicant, link, {"password": NEW_PASSWORD,
                                           "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    response = post_form(applicant, "/login", {"login_id": login_id, "password": NEW_PASSWORD})
    assert response.status_code == 302
    home = applicant.get("/home")
    assert home.status_code == 200 and "都庁前記念病院" in home.get_data(as_text=True)


def test_completion_page_is_only_for_the_browser_that_applied(app):
    applicant = app.test_client()
    location = apply(applicant).headers["Location"]
    assert applicant.get(location).status_code == 200
    assert app.test_client().get(location).status_code == 404
    assert applicant.get("/registration/done/20000101000001").status_code == 404


# --- approval and rejection ----------------------------------------------------------------

def test_approval_for_a_facility_with_an_account_names_that_account(
    client, make_user, make_facility, make_application, inbox, deliver_mail
):
    facility = make_facility()
    existing = make_user(role=Role.facility, facility=facility, login_id="gm00001234")
    application = make_application(facility_code=facility.code, email="new@example.jp")
    sign_in(client, make_user(role=Role.prefecture))

    detail = client.get(f"/registrations/{application.id}").get_data(as_text=True)
    assert "登録されています" in detail and "gm00001234" in detail
    response = post_form(client, f"/registrations/{application.id}/approve", {},
                         page=f"/registrations/{application.id}")
    assert response.status_code == 303

    assert session.scalars(sa.select(User).where(User.facility_id == facility.id)).all() == [
        existing]
    assert application.user_id == existing.id and application.facility_id == facility.id
    deliver_mail()
    (message,) = inbox.to("new@example.jp")
    body = message.get_content()
    assert "既存アカウント" in message["Subject"]
    assert application.number in body and "gm00001234" in body and facility.name in body
    assert facility.address in body


def test_rejection_with_a_reason_tells_the_applicant(
    client, make_user, make_application, inbox, deliver_mail
):
    application = make_application()
    sign_in(client, make_user(role=Role.prefecture))
    response = post_form(client, f"/registrations/{application.id}/reject",
                         {"reason": "医療機関コードが医療機関マスタと一致しません。"},
                         page=f"/registrations/{application.id}")
    assert response.status_code == 303
    assert application.status == ApplicationStatus.rejected
    assert application.rejection_reason == "医療機関コードが医療機関マスタと一致しません。"
    assert session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action == "registration.rejected")).one()

    deliver_mail()
    (message,) = inbox.to("hanako@example.jp")
    body = message.get_content()
    assert application.number in body
    assert "医療機関コードが医療機関マスタと一致しません。" in body
    assert "http://gmis.test/registration" in body


@pytest.mark.parametrize("reason", ["", "   ", "あ" * 1001])
def test_rejection_needs_a_reason_of_at_most_1000_characters(
    client, make_user, make_application, reason
):
    application = make_application()
    sign_in(client, make_user(role=Role.prefecture))
    response = post_form(client, f"/registrations/{application.id}/reject", {"reason": reason},
                         page=f"/registrations/{application.id}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "却下の理由を入力してください。" in page or "1000文字以内" in page
    assert application.number in page  # the detail page, shown again
    session.refresh(application)
    assert application.status == ApplicationStatus.pending


def test_an_application_is_decided_only_once(client, make_user, make_application):
    application = make_application()
    sign_in(client, make_user(role=Role.prefecture))
    url = f"/registrations/{application.id}"
    assert post_form(client, f"{url}/approve", {}, page=url).status_code == 303
    response = post_form(client, f"{url}/reject", {"reason": "重複"}, page=url)
    assert response.status_code == 409
    assert "すでに「承認済み」" in response.get_data(as_text=True)
    assert post_form(client, f"{url}/approve", {}, page=url).status_code == 409
    session.refresh(application)
    assert application.status == ApplicationStatus.approved


# --- bad input -----------------------------------------------------------------------------

BAD_INPUT = [
    ("bad check digit", {"facility_code": TOKYO_HOSPITAL[:9] + str(
        (int(TOKYO_HOSPITAL[9]) + 1) % 10)}, "チェックデジット"),
    ("type does not match code", {"facility_type": "pharmacy"}, "種別「薬局」と合いません"),
    ("dental code for a hospital", {"facility_code": with_check_digit("133012345")},
     "種別「病院」と合いません"),
    ("unknown postal code", {"postal_code": "9999999"}, "郵便番号に該当する住所が見つかりません"),
    ("postal code of another prefecture", {"postal_code": "530-0001"},
     "郵便番号の住所(大阪府)が、医療機関コードの都道府県番号「13」(東京都)と一致しません"),
    ("address in another prefecture", {"address": "大阪府大阪市北区梅田1-1"},
     "所在地の都道府県(大阪府)が郵便番号の住所(東京都)と一致しません"),
    ("bad phone", {"phone": "5321-1111"}, "電話番号は0から始まる"),
    ("short insurance code", {"insurance_code": "12345"}, "保険医療機関コードは7〜10桁"),
    ("bad e-mail", {"email": "hanako@", "email_confirm": "hanako@"}, "メールアドレスの形式"),
    ("e-mails differ", {"email_confirm": "hanako@example.com"}, "確認用のメールアドレスが一致"),
    ("outpatient centre cannot apply", {"facility_type": "outpatient_centre"},
     "種別を一覧から選択してください"),
    ("missing facility name", {"facility_name": "  "}, "医療機関名称を入力してください"),
    ("missing type", {"facility_type": ""}, "種別を選択してください"),
]


@pytest.mark.parametrize(("changes", "message"), [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_with_a_message_and_the_typed_values_kept(client, changes,
                                                                       message):
    response = apply(client, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    for name in ("facility_name", "address", "contact_name"):
        value = changes.get(name, FORM[name]).strip()
        if value:
            assert f'value="{value}"' in page
    assert application_count() == 0


def test_missing_fields_are_each_named(client):
    response = apply(client, **{name: "" for name in FORM if name != "facility_name"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("医療機関コードを入力してください。", "郵便番号を入力してください。",
                    "所在地を入力してください。", "電話番号を入力してください。",
                    "ご担当者氏名を入力してください。", "メールアドレスを入力してください。"):
        assert message in page
    assert 'value="都庁前記念病院"' in page


def test_address_without_the_prefecture_gets_it_added(client):
    assert apply(client, address="新宿区西新宿2-8-1").status_code == 303
    assert session.scalars(sa.select(RegistrationApplication.address)).one() == (
        "東京都新宿区西新宿2-8-1")


def test_second_application_while_the_first_is_pending_is_a_conflict(client):
    assert apply(client).status_code == 303
    response = apply(client, contact_name="新宿 次郎")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "審査中" in page and 'value="新宿 次郎"' in page
    assert application_count() == 1


def test_two_applications_submitted_at_the_same_moment_give_one_conflict(client, monkeypatch):
    assert apply(client).status_code == 303
    # The second request checked before the first one committed: the database index decides.
    real = operations.pending_application
    calls = []

    def checked_too_early(code):
        calls.append(code)
        return None if len(calls) == 1 else real(code)

    monkeypatch.setattr(operations, "pending_application", checked_too_early)
    response = apply(client, contact_name="新宿 次郎")
    assert response.status_code == 409
    assert "審査中" in response.get_data(as_text=True)
    assert len(calls) == 2  # the insert failed on the index, then the check found the rival
    assert application_count() == 1


def test_a_rejected_application_can_be_made_again(client, make_application):
    make_application(status=ApplicationStatus.rejected, decided_at=utcnow())
    assert apply(client).status_code == 303


# --- postal code look-up -------------------------------------------------------------------

def test_htmx_lookup_returns_the_address_field_filled(client):
    response = client.get("/registration/postal-address",
                          query_string={"postal_code": "１６０－００２３", "address": ""},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<div") and "<html" not in page
    assert 'id="address-field"' in page and 'value="東京都新宿区西新宿"' in page


def test_htmx_lookup_keeps_an_address_that_already_goes_further(client):
    response = client.get("/registration/postal-address", query_string={
        "postal_code": "1600023", "address": "東京都新宿区西新宿2-8-1 第一本庁舎"})
    assert 'value="東京都新宿区西新宿2-8-1 第一本庁舎"' in response.get_data(as_text=True)


def test_htmx_lookup_of_an_unknown_code_is_422_and_keeps_the_typed_address(client):
    response = client.get("/registration/postal-address",
                          query_string={"postal_code": "9999999", "address": "新宿区西新宿"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "郵便番号に該当する住所が見つかりません" in page
    assert 'value="新宿区西新宿"' in page


def test_htmx_lookup_waits_for_seven_digits(client):
    response = client.get("/registration/postal-address",
                          query_string={"postal_code": "160", "address": "東京都"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="東京都"' in page and "見つかりません" not in page


def test_lookup_button_without_javascript_fills_the_address(client):
    response = apply(client, postal_code="160-0023", address="", lookup="住所を検索")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="東京都新宿区西新宿"' in page
    assert 'value="都庁前記念病院"' in page and 'value="新宿 花子"' in page
    assert 'class="errors"' not in page  # nothing was validated yet
    assert application_count() == 0

    response = apply(client, postal_code="9999999", address="西新宿", lookup="住所を検索")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "郵便番号に該当する住所が見つかりません" in page and 'value="西新宿"' in page


def test_the_form_page_has_the_lookup_wired_for_htmx_and_without_javascript(client):
    page = client.get("/registration").get_data(as_text=True)
    assert 'data-hx-get="/registration/postal-address"' in page
    assert 'data-hx-target="#address-field"' in page
    assert 'name="lookup"' in page and "<noscript>" in page
    assert 'value="outpatient_centre"' not in page


# --- review scope and list -----------------------------------------------------------------

def test_another_prefecture_neither_sees_nor_decides_a_tokyo_application(
    client, make_user, make_application
):
    tokyo = make_application()
    osaka = make_application(facility_code=OSAKA_HOSPITAL, facility_name="梅田病院")
    sign_in(client, make_user(role=Role.prefecture, prefecture_code="27"))
    listing = client.get("/registrations").get_data(as_text=True)
    assert osaka.number in listing and tokyo.number not in listing
    assert client.get(f"/registrations/{tokyo.id}").status_code == 404
    url = f"/registrations/{osaka.id}"
    assert post_form(client, f"/registrations/{tokyo.id}/approve", {}, page=url
                     ).status_code == 404
    assert client.get("/registrations/999999").status_code == 404
    session.refresh(tokyo)
    assert tokyo.status == ApplicationStatus.pending


def test_secretariat_sees_every_prefecture(client, make_user, make_application):
    tokyo = make_application()
    osaka = make_application(facility_code=OSAKA_HOSPITAL)
    sign_in(client, make_user(role=Role.secretariat))
    listing = client.get("/registrations").get_data(as_text=True)
    assert tokyo.number in listing and osaka.number in listing


def test_facility_users_and_strangers_cannot_review(app, client, make_user, make_application):
    application = make_application()
    assert app.test_client().get("/registrations").status_code == 302  # to the login page
    sign_in(client, make_user(role=Role.facility))
    assert client.get("/registrations").status_code == 403
    assert client.get(f"/registrations/{application.id}").status_code == 403


def test_list_filters_by_status_newest_first_50_per_page(client, make_user, make_application):
    for number in range(51):
        make_application(facility_code=with_check_digit(f"1310{number:05d}"),
                         facility_name=f"病院{number:02d}")
    decided = make_application(facility_code=TOKYO_PHARMACY, facility_type=FacilityType.pharmacy,
                               status=ApplicationStatus.approved, decided_at=utcnow())
    sign_in(client, make_user(role=Role.prefecture))

    first = client.get("/registrations").get_data(as_text=True)
    assert "承認待ち: 51件" in first and decided.number not in first
    assert first.index("病院50") < first.index("病院49")
    assert "病院00" not in first and "1 / 2 ページ" in first
    second = client.get("/registrations?page=2").get_data(as_text=True)
    assert "病院00" in second
    approved = client.get("/registrations?status=approved").get_data(as_text=True)
    assert decided.number in approved and "病院00" not in approved
