"""調査定義の管理 on the web: upload, preview, diff, publish; prefecture extensions; scoping;
bad uploads refused with Japanese messages."""

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import yaml
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from gmis.db import session
from gmis.models import (
    AuditEvent,
    ResponseStatus,
    Role,
    Survey,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
)
from gmis.surveys.engine import periods
from gmis.surveys.publishing import MAX_BYTES, today_in_japan
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from gmis.surveys.store.versions import version_in_force
from tests.fixtures.web import client_of, csrf_token, post_form, sign_in
from tests.fixtures.web import page_text as text

UPLOAD = "/admin/surveys/upload"

OUTPATIENT = """
schema_version: 1
key: outpatient_status
title: 外来状況調査
period: {kind: daily, due_time: "13:00"}
sections:
  - key: outpatient
    title: 外来
    fields:
      - {key: outpatient_open, type: yes_no, label: 外来の受付, required: true, locked: true}
      - key: closed_reason
        type: text
        label: 休止の理由
        visible_if: outpatient_open == false
      - {key: patients, type: integer, label: 外来患者数, unit: 人, min: 0, max: 9999}
  - key: staff
    title: 職員
    fields:
      - {key: contact, type: text, label: 担当者名}
"""

VERSION_2 = (OUTPATIENT
             .replace("label: 外来患者数, unit: 人, min: 0, max: 9999",
                      "label: 外来患者数(延べ), unit: 人, min: 0, max: 5000")
             .replace("      - {key: contact, type: text, label: 担当者名}\n",
                      "      - {key: phone, type: phone, label: 担当者の電話番号}\n"))

TOKYO_EXTENSION = OUTPATIENT + (
    "      - {key: tokyo_fever, type: integer, label: 発熱外来の受診者数, unit: 人}\n")


def tomorrow() -> date:
    return today_in_japan() + timedelta(days=1)


def upload(client, text: str | None = None, *, file: bytes | None = None,
           name: str = "outpatient.yaml"):
    data = {"text": text or "", "csrf_token": csrf_token(client, UPLOAD)}
    if file is not None:
        data["file"] = FileStorage(io.BytesIO(file), name)
    # Encoded in memory: the test client would spool a large body to a temporary file that
    # nobody closes when the app refuses the body unread.
    boundary, body = encode_multipart(data)
    return client.post(UPLOAD, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def uploaded_version(response) -> SurveyVersion:
    assert response.status_code == 303, response.get_data(as_text=True)
    version_id = int(re.search(r"/admin/surveys/versions/(\d+)$",
                               response.headers["Location"]).group(1))
    return session.get(SurveyVersion, version_id)


def confirmation_form(html: str) -> tuple[str, dict[str, str]]:
    """The confirmation page's form: where it posts and what it sends as it stands."""
    form = re.search(r'<form method="post" action="(/admin/surveys/versions/[^"]+)"[^>]*>'
                     r"(.*?)</form>", html, re.S)
    assert form, "no confirmation form"
    fields = {}
    for tag in re.findall(r"<input [^>]+>", form.group(2)):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    return form.group(1), fields


def confirm(client, response, **changed):
    """Press the confirmation page's button (after changing ``changed`` inputs)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    url, fields = confirmation_form(response.get_data(as_text=True))
    return client.post(url, data={**fields, **changed})


def ask_to_publish(client, version: SurveyVersion, day: date | str):
    return post_form(client, f"/admin/surveys/versions/{version.id}/publish",
                     {"effective_from": str(day)}, page=f"/admin/surveys/versions/{version.id}")


def publish(client, version: SurveyVersion, day: date | str):
    """公開する, then 公開する on the confirmation page (when there is one: a refusal is
    returned as it is)."""
    asked = ask_to_publish(client, version, day)
    if asked.status_code != 200:
        return asked
    return confirm(client, asked)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def national(make_user, signed_in):
    return signed_in(make_user(role=Role.national))


def import_national(text: str, publish_on: date | None = None) -> SurveyVersion:
    """A nationwide version imported as the CLI does (and published on ``publish_on``)."""
    version = versions.import_definition(yaml.safe_load(text), field_types(),
                                         source="outpatient.yaml").version
    if publish_on is not None:
        versions.publish(version, publish_on)
    session.commit()
    return version


@pytest.fixture
def published_national():
    """Version 1 of the outpatient survey, nationwide, in force from today."""
    return import_national(OUTPATIENT, today_in_japan())


def test_upload_preview_diff_publish_and_a_second_version(national):
    version = uploaded_version(upload(national, file=OUTPATIENT.encode()))
    assert (version.number, version.status, version.prefecture_code) == (1, "draft", None)
    assert version.source_name == "outpatient.yaml"

    html = page(national, f"/admin/surveys/versions/{version.id}")
    assert "版1(下書き)として登録しました" in html
    for label in ("外来の受付", "外来患者数", "担当者名", "休止の理由"):
        assert label in html
    assert 'id="field-closed_reason"' in html and "すべての項目を表示する" in html
    assert "比べる版がないため" in html and "項目(4件)" in html
    assert f'value="{tomorrow().isoformat()}"' in html  # the default effective date

    response = publish(national, version, tomorrow())
    assert response.status_code == 303
    session.refresh(version)
    assert version.status == VersionStatus.published and version.effective_from == tomorrow()
    assert version_in_force(version.survey, None, tomorrow()) == version
    assert version_in_force(version.survey, "13", today_in_japan()) is None
    assert "公開しました" in page(national, f"/admin/surveys/versions/{version.id}")

    second = uploaded_version(upload(national, VERSION_2))
    assert (second.number, second.source_name) == (2, "貼り付けたテキスト")
    html = page(national, f"/admin/surveys/versions/{second.id}")
    diff = html[html.index('id="diff-heading"'):html.index('id="preview-heading"')]
    assert "版1(全国" in diff
    assert "追加</span> 項目(1件)" in diff and "担当者の電話番号" in diff
    assert "削除</span> 項目(1件)" in diff and "担当者名" in diff
    assert "変更</span> 項目(1件)" in diff
    assert "<del>外来患者数</del>" in diff and "<ins>外来患者数(延べ)</ins>" in diff
    assert "<del>0〜9999</del>" in diff and "<ins>0〜5000</ins>" in diff
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(["survey.version_imported", "survey.version_published"]))) == 3


def test_the_same_content_again_makes_no_new_version(national):
    first = uploaded_version(upload(national, OUTPATIENT))
    again = upload(national, file=OUTPATIENT.encode(), name="same.yml")
    assert uploaded_version(again) == first
    assert "同じ内容の版1がすでにあるため" in page(national, f"/admin/surveys/versions/{first.id}")


def test_the_preview_renders_every_field_type(national):
    every = OUTPATIENT.replace("      - {key: contact, type: text, label: 担当者名}\n", """\
      - {key: contact, type: text, label: 担当者名}
      - {key: remarks, type: long_text, label: 備考}
      - {key: ratio, type: decimal, label: 稼働率}
      - key: level
        type: single_choice
        label: 逼迫度
        choices: [{value: low, label: 低}, {value: high, label: 高}]
      - key: kinds
        type: multiple_choice
        label: 対応
        choices: [{value: a, label: 成人}, {value: c, label: 小児}]
      - {key: day, type: date, label: 日付}
      - {key: at, type: time, label: 時刻}
      - {key: postal, type: postal_code, label: 郵便番号}
      - {key: tel, type: phone, label: 電話}
      - {key: mail, type: email, label: メール}
      - {key: code, type: facility_code, label: 医療機関コード}
      - {key: used, type: integer, label: 合計, compute: "patients == null ? 0 : patients"}
""")
    version = uploaded_version(upload(national, every))
    html = page(national, f"/admin/surveys/versions/{version.id}?all=1")
    for label in ("備考", "稼働率", "逼迫度", "小児", "日付", "時刻", "郵便番号", "電話", "メール",
                  "医療機関コード", "合計"):
        assert label in html
    assert "回答者が最初に見る状態に戻す" in html


def test_a_prefecture_extends_the_national_version(published_national, make_user, signed_in):
    tokyo = signed_in(make_user(role=Role.prefecture, prefecture_code="13"))
    html = page(tokyo, UPLOAD)
    assert "<strong>東京都</strong>の独自版" in html and "拡張できる全国版" in html

    extension = uploaded_version(upload(tokyo, TOKYO_EXTENSION))
    assert extension.prefecture_code == "13" and extension.base_version == published_national
    html = page(tokyo, f"/admin/surveys/versions/{extension.id}")
    diff = html[html.index('id="diff-heading"'):html.index('id="preview-heading"')]
    assert f"版{published_national.number}(全国" in diff
    assert "追加</span> 項目(1件)" in diff and "発熱外来の受診者数" in diff
    assert "削除</span>" not in diff and "変更</span>" not in diff

    assert publish(tokyo, extension, tomorrow()).status_code == 303
    survey = extension.survey
    assert version_in_force(survey, "13", tomorrow()) == extension
    assert version_in_force(survey, "27", tomorrow()) == published_national


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ([("      - {key: outpatient_open, type: yes_no, label: 外来の受付, required: true, "
           "locked: true}\n", ""), ("        visible_if: outpatient_open == false\n", "")],
         "全国共通の固定項目「外来の受付」は削除できません。"),
        ([("label: 外来の受付, required: true", "label: 外来の受付, required: false")],
         "全国共通の固定項目「外来の受付」は変更できません(変更された属性: 必須)。"),
    ],
)
def test_a_prefecture_may_not_remove_or_change_a_locked_item(published_national, make_user,
                                                               signed_in, change, message):
    tokyo = signed_in(make_user(role=Role.prefecture, prefecture_code="13"))
    text = TOKYO_EXTENSION
    for old, new in change:
        assert old in text
        text = text.replace(old, new)
    response = upload(tokyo, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "発熱外来の受診者数" in html  # what was pasted is kept
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 1


def test_a_prefecture_cannot_extend_an_unpublished_survey(make_user, signed_in):
    tokyo = signed_in(make_user(role=Role.prefecture))
    response = upload(tokyo, OUTPATIENT)
    assert response.status_code == 422
    assert "全国版の調査「outpatient_status」が公開されていないため、拡張できません。" in (
        response.get_data(as_text=True))


def test_scoping(published_national, make_user, signed_in, app):
    tokyo = signed_in(make_user(role=Role.prefecture, prefecture_code="13"))
    extension = uploaded_version(upload(tokyo, TOKYO_EXTENSION))
    national_draft = import_national(VERSION_2)

    # Tokyo sees the published national version but not the national draft, and may not
    # publish national versions.
    assert tokyo.get(f"/admin/surveys/versions/{published_national.id}").status_code == 200
    assert tokyo.get(f"/admin/surveys/versions/{national_draft.id}").status_code == 404
    assert publish(tokyo, national_draft, tomorrow()).status_code == 404
    index = page(tokyo, "/admin/surveys")
    assert f"/admin/surveys/versions/{national_draft.id}" not in index

    osaka = app.test_client()
    sign_in(osaka, make_user(role=Role.prefecture, prefecture_code="27"))
    for url in (f"/admin/surveys/versions/{extension.id}",
                f"/admin/surveys/versions/{extension.id}/definition"):
        assert osaka.get(url).status_code == 404
    assert publish(osaka, extension, tomorrow()).status_code == 404
    assert f"/admin/surveys/versions/{extension.id}\"" not in page(osaka, "/admin/surveys")

    ministry = app.test_client()
    sign_in(ministry, make_user(role=Role.national))
    html = page(ministry, f"/admin/surveys/versions/{extension.id}")  # national sees all
    assert "この版は下書きです。東京都が公開します。" in html
    assert publish(ministry, extension, tomorrow()).status_code == 404
    session.refresh(extension)
    assert extension.status == VersionStatus.draft

    facility = app.test_client()
    sign_in(facility, make_user(role=Role.facility))
    for url in ("/admin/surveys", UPLOAD, f"/admin/surveys/versions/{published_national.id}"):
        assert facility.get(url).status_code == 403


def test_the_list_shows_versions_scope_status_date_and_answers(published_national, national,
                                                              make_facility):
    facility = make_facility()
    session.add(SurveyResponse(
        survey_id=published_national.survey_id, version_id=published_national.id,
        respondent_key=f"facility:{facility.id}", facility_id=facility.id,
        prefecture_code="13", period_key=today_in_japan().isoformat(),
        period_start=today_in_japan(), status=ResponseStatus.submitted))
    session.commit()
    uploaded_version(upload(national, VERSION_2))
    html = page(national, "/admin/surveys")
    assert "外来状況調査" in html and "outpatient_status" in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    newest, first = rows[1], rows[2]
    assert "版2" in newest and "下書き" in newest and "―" in newest
    assert "版1" in first and "公開中" in first and "適用中" in first
    assert today_in_japan().strftime("%Y/%m/%d") in first
    assert re.search(r'data-label="回答数">1</td>', first)


def test_the_definition_downloads_as_yaml_that_uploads_unchanged(published_national, national):
    response = national.get(f"/admin/surveys/versions/{published_national.id}/definition")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="outpatient_status-v1.yaml"')
    text = response.get_data(as_text=True)
    assert "外来の受付" in text  # unicode kept readable
    assert uploaded_version(upload(national, text)) == published_national


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (lambda: today_in_japan() - timedelta(days=1), "過去の日付は指定できません。"),
        (lambda: "", "適用開始日を入力してください。"),
        (lambda: "2026-02-30", "日付は 2026-04-01 のように入力してください。"),
    ],
)
def test_publishing_needs_a_date_from_today(national, day, message):
    version = uploaded_version(upload(national, OUTPATIENT))
    response = publish(national, version, day())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.refresh(version)
    assert version.status == VersionStatus.draft


def test_full_width_dates_and_today_are_accepted(national):
    version = uploaded_version(upload(national, OUTPATIENT))
    typed = today_in_japan().strftime("%Y/%m/%d").translate(
        str.maketrans("0123456789/", "０１２３４５６７８９／"))
    assert publish(national, version, typed).status_code == 303
    session.refresh(version)
    assert version.effective_from == today_in_japan()


def test_a_published_version_is_not_published_again(published_national, national):
    response = publish(national, published_national, tomorrow())
    assert response.status_code == 422
    assert "この版はすでに公開されています。" in response.get_data(as_text=True)


def test_an_extension_may_not_start_before_its_national_version(make_user, signed_in):
    import_national(OUTPATIENT, today_in_japan() + timedelta(days=10))
    tokyo = signed_in(make_user(role=Role.prefecture))
    extension = uploaded_version(upload(tokyo, TOKYO_EXTENSION))
    response = publish(tokyo, extension, tomorrow())
    assert response.status_code == 422
    assert "適用開始日は全国版(版1)の適用開始日" in response.get_data(as_text=True)


def test_an_extension_made_before_a_new_national_version_must_keep_its_locked_items(
        published_national, make_user, signed_in):
    tokyo = signed_in(make_user(role=Role.prefecture))
    extension = uploaded_version(upload(tokyo, TOKYO_EXTENSION))
    newer = OUTPATIENT.replace("label: 外来の受付,", "label: 外来の受付状況,")
    newer_version = import_national(newer, today_in_japan())
    response = publish(tokyo, extension, tomorrow())
    assert response.status_code == 422
    assert f"全国版(版{newer_version.number})が公開されました" in response.get_data(as_text=True)


# --- confirmation and 前の版に戻す ---------------------------------------------------------------

def audited(action: str) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == action))


def test_publishing_says_what_will_happen_and_waits_for_confirmation(published_national,
                                                                     national):
    version = uploaded_version(upload(national, VERSION_2))
    asked = ask_to_publish(national, version, tomorrow())
    assert asked.status_code == 200
    shown = text(asked.get_data(as_text=True))
    assert "外来状況調査 版2を公開します" in shown
    assert "範囲 全国の回答者" in shown
    assert f"{tomorrow():%Y/%m/%d}(日本時間)以降の回答" in shown
    assert f"置き換わる版 版1 (全国、{today_in_japan():%Y/%m/%d}から適用)" in shown
    assert "追加された項目: 1件" in shown and "削除された項目: 1件" in shown
    assert "変更: 外来患者数(延べ) patients (項目名、範囲)" in shown
    session.refresh(version)
    assert version.status == VersionStatus.draft and audited("survey.version_published") == 1

    # The form of the version page, posted again as it is, only shows the confirmation again.
    assert ask_to_publish(national, version, tomorrow()).status_code == 200
    session.refresh(version)
    assert version.status == VersionStatus.draft

    assert confirm(national, asked).status_code == 303
    session.refresh(version)
    assert version.status == VersionStatus.published and version.effective_from == tomorrow()
    assert audited("survey.version_published") == 2


def test_the_first_version_replaces_nothing(national):
    version = uploaded_version(upload(national, OUTPATIENT))
    shown = text(ask_to_publish(national, version, tomorrow()).get_data(as_text=True))
    assert "置き換わる版 なし(この調査で最初に使われる版です)" in shown


def withdraw_url(version: SurveyVersion) -> str:
    return f"/admin/surveys/versions/{version.id}/withdraw"


def test_going_back_to_the_previous_version_from_a_date(national, make_facility):
    first = import_national(OUTPATIENT, today_in_japan() - timedelta(days=10))
    second = import_national(VERSION_2, today_in_japan() - timedelta(days=3))
    facility = make_facility()
    answered = SurveyResponse(
        survey_id=second.survey_id, version_id=second.id,
        respondent_key=f"facility:{facility.id}", facility_id=facility.id,
        prefecture_code="13", period_key=(today_in_japan() - timedelta(days=1)).isoformat(),
        period_start=today_in_japan() - timedelta(days=1))
    session.add(answered)
    session.commit()
    survey = second.survey
    assert f'href="{withdraw_url(second)}"' in page(national, "/admin/surveys")

    asked = national.get(withdraw_url(second))
    shown = text(asked.get_data(as_text=True))
    assert "外来状況調査 版2を取り下げ、前の版に戻します" in shown
    assert "取り下げる版 版2" in shown and "戻る版 版1 (全国" in shown
    assert ("削除される版はありません。すでに提出・保存された回答は、答えたときの版のままです。"
            in shown)
    assert f'value="{today_in_japan().isoformat()}"' in asked.get_data(as_text=True)  # default

    # Without the confirmation's mark of the version coming back, nothing is done.
    unconfirmed = post_form(national, withdraw_url(second),
                            {"withdrawn_from": tomorrow().isoformat()}, page=withdraw_url(second))
    assert unconfirmed.status_code == 200 and "戻る版 版1" in text(
        unconfirmed.get_data(as_text=True))
    session.refresh(second)
    assert second.withdrawn_from is None and audited("survey.version_withdrawn") == 0

    assert confirm(national, asked, withdrawn_from=tomorrow().isoformat()).status_code == 303
    session.refresh(second)
    assert second.withdrawn_from == tomorrow() and second.status == VersionStatus.published
    assert version_in_force(survey, None, today_in_japan()) == second
    assert version_in_force(survey, "13", tomorrow()) == first
    assert versions.version_for_period(survey, None, periods.period_for("daily", tomorrow()),
                                       tomorrow()) == first
    session.refresh(answered)
    assert answered.version_id == second.id  # answers keep their version
    assert session.get(SurveyVersion, second.id) is not None
    assert audited("survey.version_withdrawn") == 1

    listed = text(page(national, "/admin/surveys"))
    assert f"{tomorrow():%Y/%m/%d}から前の版に戻す" in listed
    assert "試験 太郎" in listed and "に戻しました" in listed
    assert "現在適用中の版: 版2(全国)" in listed  # until tomorrow
    assert f'href="{withdraw_url(second)}"' not in page(national, "/admin/surveys")
    details = text(page(national, f"/admin/surveys/versions/{second.id}"))
    assert f"前の版に戻す {tomorrow():%Y/%m/%d}から 版1 に戻しました" in details


def test_going_back_needs_a_version_to_go_back_to_and_a_date_from_today(published_national,
                                                                        national):
    assert withdraw_url(published_national) not in page(national, "/admin/surveys")
    refused = national.get(withdraw_url(published_national))
    assert refused.status_code == 409
    assert "この版より前に公開された版がないため、戻せません。" in refused.get_data(as_text=True)

    second = import_national(VERSION_2, today_in_japan())
    asked = national.get(withdraw_url(second))
    past = confirm(national, asked,
                   withdrawn_from=(today_in_japan() - timedelta(days=1)).isoformat())
    assert past.status_code == 422
    assert "過去の日付は指定できません。" in past.get_data(as_text=True)
    session.refresh(second)
    assert second.withdrawn_from is None
    # Today (the default): the first version is in force again at once.
    assert confirm(national, asked).status_code == 303
    assert version_in_force(second.survey, None, today_in_japan()) == published_national
    rows = re.findall(r"<tr>(.*?)</tr>", page(national, "/admin/surveys"), re.S)
    assert f"{today_in_japan():%Y/%m/%d}から取り下げ" in rows[1] and "公開中" not in rows[1]
    assert "適用中" in rows[2]
    # Only the newest standing version goes back, one step at a time.
    session.refresh(second)
    assert national.get(withdraw_url(second)).status_code == 409


def test_who_may_go_back_and_for_which_scope(published_national, app, make_user):
    national = client_of(app, make_user(role=Role.national))
    tokyo = client_of(app, make_user(role=Role.prefecture))
    osaka = client_of(app, make_user(role=Role.prefecture, prefecture_code="27"))
    extension = uploaded_version(upload(tokyo, TOKYO_EXTENSION))
    assert publish(tokyo, extension, today_in_japan()).status_code == 303
    survey = extension.survey
    second_national = import_national(VERSION_2, tomorrow())

    # Not a national version, not another prefecture's, and the nation not a prefecture's.
    assert tokyo.get(withdraw_url(second_national)).status_code == 404
    assert osaka.get(withdraw_url(extension)).status_code == 404
    assert national.get(withdraw_url(extension)).status_code == 404
    assert post_form(osaka, withdraw_url(extension),
                     {"withdrawn_from": today_in_japan().isoformat(),
                      "restores": str(published_national.id)},
                     page="/admin/surveys").status_code == 404
    session.refresh(extension)
    assert extension.withdrawn_from is None

    # Tokyo puts its own extension back: Tokyo answers the national version again.
    asked = tokyo.get(withdraw_url(extension))
    assert "戻る版 版1 (全国" in text(asked.get_data(as_text=True))
    assert confirm(tokyo, asked).status_code == 303
    assert version_in_force(survey, "13", today_in_japan()) == published_national
    assert version_in_force(survey, "27", tomorrow()) == second_national


# --- bad uploads -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("send", "status", "message"),
    [
        (dict(file=b"a: 1\n" + b"#" * MAX_BYTES), 422, "ファイルが大きすぎます(1MBまで)。"),
        (dict(file=b"#" * (3 * MAX_BYTES)), 413, "ファイル・貼り付けとも1MBまでです。"),
        (dict(file=OUTPATIENT.encode(), name="outpatient.txt"), 422,
         "YAML(.yaml・.yml)または JSON(.json)のファイルを選んでください。"),
        (dict(file=b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", name="image.yaml"), 422,
         "テキストのファイルではありません。"),
        (dict(file=OUTPATIENT.encode("cp932"), name="sjis.yaml"), 422, "UTF-8として読めません"),
        (dict(file=b"key: [unclosed\n"), 422, "YAML/JSONとして読めません"),
        (dict(file=b'{"key": ', name="broken.json"), 422, "YAML/JSONとして読めません"),
        (dict(file=b"   \n"), 422, "ファイルが空です。"),
        (dict(text="- just\n- a list\n"), 422, "定義の最上位はキーと値の組(マッピング)です。"),
        (dict(text=""), 422, "定義ファイルを選ぶか、定義を貼り付けてください。"),
        (dict(text=OUTPATIENT, file=OUTPATIENT.encode()), 422,
         "ファイルと貼り付けのどちらか一方だけを送ってください。"),
        (dict(text="a: 1\n" + "#" * MAX_BYTES), 422, "貼り付けた定義が大きすぎます(1MBまで)。"),
        (dict(text="a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True))), 422, "定義が大きすぎます"),
        (dict(text="[" * 5000), 422, "YAML"),
    ],
)
def test_bad_uploads_are_refused_in_japanese(national, send, status, message):
    response = upload(national, send.get("text"), file=send.get("file"),
                      name=send.get("name", "outpatient.yaml"))
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert message in html
    assert "調査定義のアップロード" in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0


def test_an_uploaded_definition_names_the_line_and_column_of_each_problem(national):
    deep = OUTPATIENT.replace("      - {key: contact, type: text, label: 担当者名}\n", (
        "      - key: contact\n"
        "        type: text\n"
        "        label: 担当者名\n"
        "        options: {max_length: many}\n"))
    for response in (upload(national, deep),
                     upload(national, file=deep.encode(), name="outpatient.yaml")):
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert ("<strong>22行目 19列</strong> <code>sections[1].fields[0].options.max_length"
                "</code>: 整数で書いてください。") in html, html
    assert "<strong>outpatient.yaml</strong> に誤りがあります(1件)" in html


def test_a_problem_found_after_reading_is_placed_too(published_national, make_user, signed_in):
    tokyo = signed_in(make_user(role=Role.prefecture))
    response = upload(tokyo, TOKYO_EXTENSION.replace("label: 外来の受付,", "label: 受付,"))
    assert response.status_code == 422
    assert ("<strong>10行目 9列</strong> <code>sections[0].fields[0]</code>: "
            "全国共通の固定項目「外来の受付」は変更できません") in response.get_data(as_text=True)


def test_a_broken_definition_lists_every_problem_and_keeps_the_text(national):
    text = (OUTPATIENT.replace("type: integer", "type: counter")
            .replace("visible_if: outpatient_open == false", "visible_if: outpatient_opn == false")
            + "rules:\n  - {key: r, expression: patients >= 0, message: 負の数,"
              " fields: [patiens]}\n")
    response = upload(national, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "貼り付けたテキスト</strong> に誤りがあります(3件)" in html
    assert "<code>sections[0].fields[2].type</code>: 項目の種類「counter」はありません。" in html
    assert ("<code>sections[0].fields[1].visible_if</code>: 式が知らない項目キー「outpatient_opn」"
            "を参照しています。") in html
    assert "<code>rules[0].fields</code>: 知らない項目キー「patiens」です。" in html
    assert "outpatient_opn == false</textarea>" in html or "outpatient_opn == false\n" in html


def test_a_draft_version_says_what_publishing_it_would_do(published_national, national,
                                                          make_facility):
    """The impact report: a narrower range counts the last period's answers it refuses, a
    removed field names who reads it."""
    for patients in (50, 5000, 9000):
        facility = make_facility()
        session.add(SurveyResponse(
            survey_id=published_national.survey_id, version_id=published_national.id,
            respondent_key=f"facility:{facility.id}", facility_id=facility.id,
            prefecture_code="13", period_key=today_in_japan().isoformat(),
            period_start=today_in_japan(), status=ResponseStatus.submitted,
            answers={"outpatient_open": True, "patients": patients}))
    session.commit()
    narrower = OUTPATIENT.replace("min: 0, max: 9999", "min: 0, max: 1000").replace(
        "      - key: closed_reason\n        type: text\n        label: 休止の理由\n"
        "        visible_if: outpatient_open == false\n", "")
    draft = uploaded_version(upload(national, narrower))
    html = text(page(national, f"/admin/surveys/versions/{draft.id}"))
    assert "公開したときの影響" in html and "利用側に影響" in html
    assert "直近の回答3件のうち2件が、この版では受け付けられません" in html
    assert "項目「休止の理由」(closed_reason) : 項目を削除" in html
    assert "CSV出力の列「休止の理由」" in html
