"""緊急配布要請 over HTTP: saving, the checks before applying, the system check, review by
the prefecture with e-mails, the list, CSV and the PDF."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import OutboxMessage, Role, SosRequest, SosStatus
from gmis.surveys.engine import periods
from tests.fixtures.surveys import HOSPITAL_DAY, supplies_week
from tests.fixtures.web import client_of
from tests.fixtures.web import page_text as text


def today():
    return periods.today(utcnow())


def token_of(html: str) -> str:
    """The page's CSRF token (a form's, or the one every page carries for htmx)."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf-token" content="([^"]+)"', html).group(1, 2)[0] or \
        re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


class Requester:
    """A facility's browser on the request form."""

    def __init__(self, client, url="/sos/new"):
        self.client, self.url = client, url
        self.html = client.get(url).get_data(as_text=True)

    def post(self, action="save", **fields):
        data = {"csrf_token": token_of(self.html),
                "creation_token": re.search(r'name="creation_token" value="([^"]+)"',
                                            self.html).group(1), "action": action}
        revision = re.search(r'name="revision" value="(\d+)"', self.html)
        if revision:
            data["revision"] = revision.group(1)
        data.update(fields)
        return self.client.post(self.url, data=data)


@pytest.fixture
def hospital(make_user, make_facility):
    return make_user(email="sos@hospital.example.jp",
                     facility=make_facility(name="髙島平中央病院"))


@pytest.fixture
def answered(builtin_survey, answer_survey, hospital):
    """The hospital's answers: today's daily survey, and a week short of N95 masks."""
    daily = builtin_survey("hospital_daily")
    weekly = builtin_survey("supplies_weekly")
    answer_survey(daily, hospital, today(), HOSPITAL_DAY)
    answer_survey(weekly, hospital, today(), supplies_week({"n95_mask": "within_1_week"}))
    session.commit()


def the_request() -> SosRequest:
    return session.scalars(sa.select(SosRequest)).one()


def test_saving_needs_the_general_confirmation_and_keeps_what_was_typed(app, hospital):
    form = Requester(client_of(app, hospital))
    refused = form.post(quantity_n95_mask="200", remark="至急お願いします")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "「上記の緊急配布条件を満たしていることを確認した」にチェックをしてください。" in html
    assert 'value="200"' in html and "至急お願いします" in html
    assert session.scalar(sa.select(sa.func.count()).select_from(SosRequest)) == 0


def test_save_keeps_it_unapplied_with_the_title_of_the_source(app, hospital):
    form = Requester(client_of(app, hospital))
    saved = form.post(general_confirmed="y", quantity_surgical_mask="１，０００")
    assert saved.status_code == 303
    request = the_request()
    assert request.status == SosStatus.draft and request.applied_at is None
    local = utcnow().astimezone(periods.TOKYO)
    assert request.title == f"{local:%Y/%m/%d}_髙島平中央病院_緊急配布要請"
    assert request.quantity("surgical_mask") == 1000
    page = text(form.client.get(saved.headers["Location"]).get_data(as_text=True))
    assert "未申請" in page and "保存しました。まだ申請していません。" in page


def test_a_double_click_on_save_makes_one_request(app, hospital):
    form = Requester(client_of(app, hospital))
    assert form.post(general_confirmed="y", quantity_gloves="50").status_code == 303
    assert form.post(general_confirmed="y", quantity_gloves="50").status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(SosRequest)) == 1


NOT_A_QUANTITY = "非滅菌手袋の数量は1以上の整数で入力してください(単位: 組)。"


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "要請する物資を1つ以上選び、数量を入力してください。"),
    ({"quantity_n95_mask": "100"},
     "N95マスクを要請する場合は、N95マスクの緊急配布条件を確認してチェックをしてください。"),
    ({"quantity_gloves": "0"}, NOT_A_QUANTITY),
    ({"quantity_gloves": "-5"}, NOT_A_QUANTITY),
    ({"quantity_gloves": "1.5"}, NOT_A_QUANTITY),
    ({"quantity_gloves": "たくさん"}, NOT_A_QUANTITY),
    ({"quantity_gloves": "2000000"}, "非滅菌手袋の数量は1,000,000組以下で入力してください。"),
])
def test_applying_refuses_what_cannot_be_requested(app, hospital, fields, message):
    form = Requester(client_of(app, hospital))
    refused = form.post("apply", general_confirmed="y", remark="備考", **fields)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert message in html and "備考" in html
    assert session.scalar(sa.select(sa.func.count()).select_from(SosRequest)) == 0


def test_apply_passes_the_system_check_once(app, hospital, answered):
    client = client_of(app, hospital)
    form = Requester(client)
    assert "本日" in form.html or "翌営業日" in form.html  # the cut-off is said beforehand
    applied = form.post("apply", general_confirmed="y", n95_confirmed="y",
                        quantity_n95_mask="300")
    assert applied.status_code == 303
    request = the_request()
    assert request.status == SosStatus.reviewing and request.applied_at is not None
    assert request.handling_date is not None
    page = client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "緊急配布要請を受け付けました。" in page and "都道府県・国確認中" in page

    again = Requester(client, f"/sos/{request.id}").post("apply", general_confirmed="y",
                                                          n95_confirmed="y",
                                                          quantity_n95_mask="300")
    assert again.status_code == 409
    assert "この要請はすでに申請済みです。" in again.get_data(as_text=True)


def test_a_failed_check_names_each_condition_with_a_link_to_the_survey(app, hospital, answered):
    client = client_of(app, hospital)
    applied = Requester(client).post("apply", general_confirmed="y", quantity_gloves="100")
    assert applied.status_code == 303
    request = the_request()
    assert request.status == SosStatus.error
    page = client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "エラー有り" in page
    assert ("週次調査で「非滅菌手袋」の「在庫の見通し」が「1週間以内」または「2〜3週間」"
            "ではありません。") in page
    assert f'href="/surveys/supplies_weekly/{periods.period_for("weekly", today()).key}"' in page


def test_review_round_trip_with_e_mails(app, hospital, answered, make_user):
    client = client_of(app, hospital)
    Requester(client).post("apply", general_confirmed="y", n95_confirmed="y",
                           quantity_n95_mask="300")
    request = the_request()
    prefecture = make_user(Role.prefecture)
    osaka = make_user(Role.prefecture, prefecture_code="27")
    session.commit()
    reviewer = client_of(app, prefecture)

    queue = text(reviewer.get("/sos/review").get_data(as_text=True))
    assert request.title in queue and "N95マスク(DS2を含む) 300枚" in queue
    assert request.title not in text(client_of(app, osaka).get("/sos/review")
                                     .get_data(as_text=True))
    assert client_of(app, osaka).get(f"/sos/{request.id}").status_code == 404

    detail = reviewer.get(f"/sos/{request.id}").get_data(as_text=True)
    empty = reviewer.post(f"/sos/{request.id}/return",
                          data={"csrf_token": token_of(detail), "comment": ""})
    assert empty.status_code == 422
    assert "差戻しの理由を入力してください。" in empty.get_data(as_text=True)
    returned = reviewer.post(f"/sos/{request.id}/return", data={
        "csrf_token": token_of(detail), "comment": "数量の根拠を備考に書いてください。"})
    assert returned.status_code == 303
    session.refresh(request)
    assert request.status == SosStatus.returned
    mails = session.scalars(sa.select(OutboxMessage)).all()
    assert [m.recipient for m in mails] == ["sos@hospital.example.jp"]
    assert "差し戻されました" in mails[0].subject and "数量の根拠" in mails[0].body

    # The facility corrects and applies again; the prefecture accepts; it is then locked.
    form = Requester(client, f"/sos/{request.id}")
    assert "数量の根拠を備考に書いてください。" in form.html
    assert form.post("apply", general_confirmed="y", n95_confirmed="y",
                     quantity_n95_mask="300", remark="先週の使用量が300枚でした").status_code == 303
    session.refresh(request)
    assert request.status == SosStatus.reviewing
    detail = reviewer.get(f"/sos/{request.id}").get_data(as_text=True)
    assert reviewer.post(f"/sos/{request.id}/accept",
                         data={"csrf_token": token_of(detail)}).status_code == 303
    session.refresh(request)
    assert request.status == SosStatus.accepted
    accepted_mail = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                    ).first()
    assert "受け付けました" in accepted_mail.subject

    page = client.get(f"/sos/{request.id}").get_data(as_text=True)
    assert "受付完了" in page and 'name="action"' not in page  # no form any more
    locked = client.post(f"/sos/{request.id}", data={"csrf_token": token_of(page),
                                                     "action": "save"})
    assert locked.status_code == 409
    assert "受付完了の要請は変更できません。" in locked.get_data(as_text=True)
    history = text(page)
    assert "差戻し" in history and "受付完了" in history and "申請" in history


def test_the_queue_exports_csv_and_refuses_bad_dates(app, hospital, answered, make_user):
    Requester(client_of(app, hospital)).post("apply", general_confirmed="y",
                                             n95_confirmed="y", quantity_n95_mask="300")
    prefecture = make_user(Role.prefecture)
    session.commit()
    reviewer = client_of(app, prefecture)
    exported = reviewer.get("/sos/review/export.csv?status=all")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("cp932"), newline="")))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["医療機関名"] == "髙島平中央病院" and row["N95マスク(DS2を含む)(枚)"] == "300"
    assert row["対応状況"] == "都道府県・国確認中"
    bad = reviewer.get("/sos/review?from=12/01&item=gloves")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "対応日(開始)は「2026-12-01」の形で入力してください。" in html
    assert 'value="12/01"' in html and '<option value="gloves" selected>' in html


def test_the_pdf_embeds_a_japanese_font_and_the_facility_name_as_text(app, hospital, answered):
    from pypdf import PdfReader

    client = client_of(app, hospital)
    Requester(client).post("apply", general_confirmed="y", n95_confirmed="y",
                           quantity_n95_mask="300")
    request = the_request()
    printed = client.get(f"/sos/{request.id}/print")
    assert printed.status_code == 200 and "髙島平中央病院" in printed.get_data(as_text=True)
    pdf = client.get(f"/sos/{request.id}/request.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    page_text = "".join(page.extract_text() for page in reader.pages)
    assert "髙島平中央病院" in page_text and "N95マスク(DS2を含む)" in page_text
    assert re.search(r"1 / \d+ ページ", page_text)  # page numbers
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("IPAexGothic" in name for name in fonts), fonts
    assert all(page.mediabox.width == pytest.approx(595.3, abs=1) for page in reader.pages)


def test_a_short_request_prints_on_one_page_naming_who_acted_in_sans_serif(
        app, builtin_survey, answer_survey, hospital, make_user):
    from pypdf import PdfReader

    answer_survey(builtin_survey("hospital_daily"), hospital, today(), HOSPITAL_DAY)
    answer_survey(builtin_survey("supplies_weekly"), hospital, today(), supplies_week(
        {"n95_mask": "within_1_week", "gloves": "within_1_week"}))
    reviewer = make_user(Role.prefecture, name="田中 誠")
    session.commit()
    client = client_of(app, hospital)
    # Two items and a whole review round: created, returned, applied again, accepted.
    fields = dict(general_confirmed="y", n95_confirmed="y", quantity_n95_mask="300",
                  quantity_gloves="1000", remark="入院患者が増え、在庫が3日分です。")
    Requester(client).post("apply", **fields)
    request = the_request()
    review = client_of(app, reviewer)
    token = token_of(review.get(f"/sos/{request.id}").get_data(as_text=True))
    review.post(f"/sos/{request.id}/return",
                data={"csrf_token": token, "comment": "数量の根拠を備考に書いてください。"})
    Requester(client, f"/sos/{request.id}").post("apply", **fields)
    review.post(f"/sos/{request.id}/accept", data={"csrf_token": token})
    session.refresh(request)
    assert request.status == SosStatus.accepted and len(request.events) == 5

    reader = PdfReader(io.BytesIO(review.get(f"/sos/{request.id}/request.pdf").get_data()))
    assert len(reader.pages) == 1
    page_text = reader.pages[0].extract_text()
    assert "1 / 1 ページ" in page_text
    rows = [line for line in page_text.splitlines() if line.startswith("20")]
    # Every history row names the person; their organisations are on the lines below.
    assert sum(hospital.name in row for row in rows) == 3, rows
    assert sum("田中 誠" in row for row in rows) == 2, rows
    assert "髙島平中央病院" in page_text and "東京都" in page_text
    for page in reader.pages:
        fonts = {str(font["/BaseFont"]).split("+")[-1]
                 for font in page["/Resources"]["/Font"].values()}
        # The footer too: margin boxes do not inherit the document's font.
        assert fonts <= {"IPAexGothic", "IPAexGothic-Bold"}, fonts


def test_changing_a_request_under_review_takes_it_back_to_unapplied(app, hospital, answered):
    client = client_of(app, hospital)
    Requester(client).post("apply", general_confirmed="y", n95_confirmed="y",
                           quantity_n95_mask="300")
    request = the_request()
    form = Requester(client, f"/sos/{request.id}")
    assert "変更を保存する" in form.html and 'value="apply"' not in form.html
    assert form.post(general_confirmed="y", n95_confirmed="y",
                     quantity_n95_mask="500").status_code == 303
    session.refresh(request)
    assert request.status == SosStatus.draft and request.quantity("n95_mask") == 500


def test_two_people_changing_one_request_get_a_conflict_and_keep_their_input(
        app, hospital, answered, make_user):
    colleague = make_user(facility=hospital.facility)
    Requester(client_of(app, hospital)).post(general_confirmed="y", quantity_gloves="10")
    request = the_request()
    mine = Requester(client_of(app, hospital), f"/sos/{request.id}")
    theirs = Requester(client_of(app, colleague), f"/sos/{request.id}")
    assert theirs.post(general_confirmed="y", quantity_gloves="20").status_code == 303
    conflict = mine.post(general_confirmed="y", quantity_gloves="30")
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "ほかの方がこの要請を変更しました" in html and 'value="30"' in html


def test_an_aggregator_requests_for_a_member_but_not_for_others(app, make_user, make_facility):
    member, stranger = make_facility(name="会員クリニック"), make_facility()
    aggregator = make_user(Role.aggregator)
    aggregator.aggregator.members.append(member)
    session.commit()
    client = client_of(app, aggregator)
    assert "会員クリニック" in client.get("/sos").get_data(as_text=True)
    form = Requester(client, f"/sos/new?facility={member.id}")
    assert form.post(general_confirmed="y", quantity_gloves="10").status_code == 303
    request = the_request()
    assert request.facility_id == member.id and request.answered_on_behalf
    assert client.get(f"/sos/new?facility={stranger.id}").status_code == 404
