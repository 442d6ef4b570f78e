"""What one request may carry: the whole body (MAX_CONTENT_LENGTH, refused from its
Content-Length before it is read), a facility CSV given to the import, each form field, and
what a survey draft keeps of the inputs posted for a field. Each refusal answers in
Japanese, with a 4xx, and keeps what was typed."""

from __future__ import annotations

import io

import pytest

from gmis.db import session
from gmis.surveys.engine import periods
from tests.blueprints.test_survey_fill import Filler, response_of, today, wrapper
from tests.fixtures.web import csrf_token, page_text, post_form

MEGABYTE = 1024 * 1024
#: The longest input a survey draft keeps: the longest long_text a definition may allow.
INPUT_MAX_CHARS = 20_000


class CountingBody(io.RawIOBase):
    """A request body of ``size`` bytes that counts how many of them the app reads."""

    def __init__(self, size: int):
        self.size = size
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.read_so_far)
        buffer[:count] = b"a" * count
        self.read_so_far += count
        return count


@pytest.mark.parametrize("htmx", [False, True])
def test_a_200_mb_sign_in_is_refused_unread_with_a_japanese_413(app, client, htmx):
    token = csrf_token(client, "/login")
    body = CountingBody(200 * MEGABYTE)
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    response = client.post("/login", headers=headers, environ_overrides={
        "wsgi.input": body, "CONTENT_LENGTH": str(body.size),
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 413
    limit_mb = app.config["MAX_CONTENT_LENGTH"] // MEGABYTE
    html = response.get_data(as_text=True)
    assert f"一度に送信できるのは{limit_mb}MBまでです" in page_text(html)
    assert ("<html" in html) is not htmx  # htmx gets the fragment
    assert body.read_so_far < MEGABYTE


def test_the_request_limits_are_set(app):
    config = app.config
    assert config["MAX_CONTENT_LENGTH"] == 4 * MEGABYTE
    assert config["MAX_FORM_MEMORY_SIZE"] == MEGABYTE
    assert config["MAX_FORM_PARTS"] == 5000


def test_a_facility_csv_over_the_limit_is_refused_before_it_is_read(
        app, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FACILITY_IMPORT_MAX_MB", 1)
    path = tmp_path / "facilities.csv"
    path.write_bytes(b"facility_type,code,name\n" + b"hospital,0110113719,x\n" * 60_000)
    result = runner.invoke(args=["facilities", "import", str(path)])
    assert result.exit_code == 2
    assert "取り込めるのは1MBまでです" in result.output
    assert "1件も取り込んでいません" in result.output


# --- form fields -----------------------------------------------------------------------------

def test_an_overlong_login_id_is_refused_in_japanese_as_typed(client):
    login_id = "a" * 65
    response = post_form(client, "/login", {"login_id": login_id, "password": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ユーザIDは64文字以内で入力してください。" in html
    assert f'value="{login_id}"' in html


def test_an_overlong_new_password_is_refused_in_japanese(client):
    response = post_form(client, "/password/forgot", {"login_id": "x" * 200})
    assert response.status_code == 422
    assert "ユーザIDは64文字以内で入力してください。" in response.get_data(as_text=True)


REGISTRATION = {
    "facility_type": "hospital", "facility_code": "1310123458", "insurance_code": "",
    "facility_name": "都庁前記念病院", "postal_code": "1600023",
    "address": "東京都新宿区西新宿2-8-1", "phone": "0353211111", "contact_name": "新宿 花子",
    "email": "hanako@example.jp", "email_confirm": "hanako@example.jp",
}


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("facility_name", "都庁前記念病院 https://example.com/login",
     "医療機関名称にURLやメールアドレスは入力できません。"),
    ("contact_name", "新宿 花子 www.example.jp",
     "ご担当者氏名にURLやメールアドレスは入力できません。"),
    ("address", "東京都新宿区西新宿2-8-1 info@example.jp",
     "所在地にURLやメールアドレスは入力できません。"),
    ("phone", "0" * 30, "電話番号は20文字以内で入力してください。"),
])
def test_the_registration_receipt_carries_no_link_and_no_unbounded_text(
        client, field, typed, message):
    """The receipt goes to the address typed in the form, with the form's text in it."""
    response = post_form(client, "/registration", {**REGISTRATION, field: typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="都庁前記念病院' in html  # what was typed stays


# --- what a survey draft keeps -------------------------------------------------------------

def open_supplies(builtin_survey, make_user, signed_in):
    builtin_survey("supplies_weekly")
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.url = f"/surveys/supplies_weekly/{periods.period_for('weekly', today()).key}"
    page.open()
    return user, page


def test_a_draft_keeps_only_the_inputs_its_field_reads(builtin_survey, make_user, signed_in):
    user, page = open_supplies(builtin_survey, make_user, signed_in)
    saved = page.post("/save", htmx=True, **{
        "f.supplies.n95_mask.stock": "120",
        # Names nobody's form has, under the field's prefix: not kept.
        "f.supplies.n95_mask.padding": "x" * 1000, "f.supplies.zzz": "y",
        "f.no_such_field": "z"})
    assert saved.status_code == 200
    assert response_of(user.facility).pending_inputs == {
        "supplies": {"f.supplies.n95_mask.stock": "120"}}


def test_a_too_long_input_is_kept_cut_with_a_message(builtin_survey, make_user, signed_in):
    user, page = open_supplies(builtin_survey, make_user, signed_in)
    typed = "1" * (INPUT_MAX_CHARS + 5000)
    assert page.post("/save", htmx=True, **{"f.supplies.n95_mask.stock": typed}
                     ).status_code == 200
    # Kept one character past the limit (bounded, and the message comes back with it).
    kept = response_of(user.facility).pending_inputs["supplies"]
    assert kept == {"f.supplies.n95_mask.stock": "1" * (INPUT_MAX_CHARS + 1)}
    page.open()
    assert "入力が長すぎます。1つの欄に入力できるのは20,000文字までです" in page_text(
        wrapper(page.html, "supplies"))
