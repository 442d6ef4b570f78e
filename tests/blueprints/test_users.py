"""Issuing accounts: the e-mail with the login ID and a set-up link, and who may issue what."""

import re

import sqlalchemy as sa

from gmis.db import session
from gmis.models import FireDepartment, Role, User
from tests.fixtures.web import post_form, sign_in


def _issue(client, **data):
    return post_form(client, "/users/new", data)


def test_secretariat_issues_a_facility_account_and_the_user_sets_a_first_password(
    app, client, make_user, make_facility, inbox, deliver_mail
):
    facility = make_facility()
    sign_in(client, make_user(role=Role.secretariat))
    response = _issue(client, role="facility", organisation=f"{facility.code[:5]}-"
                      f"{facility.code[5:]}", name="新宿 花子", email="Hanako@Example.JP")
    assert response.status_code == 302
    user = session.scalars(sa.select(User).where(User.email == "Hanako@example.jp")).one()
    assert user.facility_id == facility.id and user.password_hash is None

    deliver_mail()
    (message,) = inbox.to("Hanako@example.jp")
    body = message.get_content()
    assert "アカウント発行" in message["Subject"]
    assert f"ユーザ名(ログインID): {user.login_id}" in body
    link = re.search(r"http://gmis\.test(/password/set/\S+)", body).group(1)

    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "初回パスワードの設定" in page and user.login_id in page
    response = post_form(newcomer, link, {"password": "Hanazono-Shrine7",
                                          "password_confirm": "Hanazono-Shrine7"})
    assert response.status_code == 302
    assert sign_in(newcomer, user, "Hanazono-Shrine7").status_code == 302


def test_issue_form_refuses_bad_input_and_keeps_it(client, make_user):
    sign_in(client, make_user(role=Role.secretariat))
    response = _issue(client, role="facility", organisation="1310113718", name="新宿 花子",
                      email="not-an-address")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "チェックデジット" in page
    assert "メールアドレスの形式が正しくありません。" in page
    assert 'value="新宿 花子"' in page
    assert 'value="not-an-address"' in page


def test_login_id_must_be_unique(client, make_user, make_facility):
    taken = make_user(role=Role.national)
    sign_in(client, make_user(role=Role.secretariat))
    response = _issue(client, role="national", name="厚労 太郎", email="t@example.jp",
                      login_id=taken.login_id)
    assert response.status_code == 422
    assert "このユーザIDはすでに使われています。" in response.get_data(as_text=True)


def test_prefecture_issues_only_within_its_prefecture(client, make_user, make_facility):
    osaka = make_facility(prefecture_code="27")
    sign_in(client, make_user(role=Role.prefecture))  # 東京都
    response = _issue(client, role="facility", organisation=osaka.code, name="大阪 一郎",
                      email="o@example.jp")
    assert response.status_code == 422
    assert "医療機関マスタ(所管の範囲)に登録されていません" in response.get_data(as_text=True)
    response = _issue(client, role="national", name="国 一郎", email="n@example.jp")
    assert response.status_code == 422
    assert "選択された種別のアカウントは発行できません。" in response.get_data(as_text=True)


def test_prefecture_issues_a_fire_department_account(client, make_user):
    department = FireDepartment(name="東京消防庁", prefecture_code="13")
    other = FireDepartment(name="大阪市消防局", prefecture_code="27")
    session.add_all([department, other])
    session.commit()
    sign_in(client, make_user(role=Role.prefecture))
    form = client.get("/users/new?role=fire_department").get_data(as_text=True)
    assert "東京消防庁" in form and "大阪市消防局" not in form
    response = _issue(client, role="fire_department", organisation=str(other.id),
                      name="消防 太郎", email="f@example.jp")
    assert response.status_code == 422
    response = _issue(client, role="fire_department", organisation=str(department.id),
                      name="消防 太郎", email="f@example.jp")
    assert response.status_code == 302


def test_role_change_returns_only_the_organisation_fragment(client, make_user):
    sign_in(client, make_user(role=Role.secretariat))
    response = client.get("/users/new?role=prefecture",
                          headers={"HX-Request": "true", "HX-Trigger-Name": "role"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page
    assert "北海道" in page and "沖縄県" in page


def test_account_list_is_scoped(client, make_user, make_facility):
    tokyo = make_user(role=Role.facility)
    osaka = make_user(role=Role.facility, facility=make_facility(prefecture_code="27"))
    sign_in(client, make_user(role=Role.prefecture))
    page = client.get("/users").get_data(as_text=True)
    assert tokyo.login_id in page and osaka.login_id not in page
    assert client.get(f"/users/{osaka.id}").status_code == 404
    assert client.get(f"/users/{tokyo.id}").status_code == 200
