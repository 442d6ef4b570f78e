"""Filling a survey over HTTP as facilities and aggregators do: a definition no code knows,
imported with the CLI, then answered field by field, saved, submitted, reviewed."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import (
    FacilityType,
    OutboxMessage,
    ResponseChange,
    ResponseEvent,
    ResponseStatus,
    Role,
    SurveyResponse,
)
from gmis.surveys.engine import periods

OXYGEN = """
schema_version: 1
key: oxygen_supply_check
title: 酸素供給体制の確認
description: 毎日の酸素の備えを報告してください。
respondents:
  roles: [facility]
  facility_types: [hospital]
  aggregators_on_behalf: true
period: {kind: daily, due_time: "13:00", backfill_periods: 2}
sections:
  - key: supply
    title: 酸素ボンベ
    fields:
      - {key: cylinders, type: integer, label: ボンベ本数, unit: 本, required: true, min: 0,
         max: 500, prefill: true}
      - {key: in_use, type: integer, label: 使用中の本数, unit: 本, required: true, min: 0}
      - {key: spare, type: integer, label: 予備の本数, unit: 本, compute: "cylinders - in_use"}
      - {key: flow_rate, type: decimal, label: 平均流量, unit: L/分, min: 0, max: 60}
  - key: plant
    title: 液体酸素設備
    fields:
      - {key: has_tank, type: yes_no, label: 液体酸素タンクの有無, required: true}
      - {key: tank_level, type: integer, label: タンク残量, unit: "%", min: 0, max: 100,
         required: true, visible_if: "has_tank == true"}
      - {key: supplier, type: text, label: 供給業者, required_if: "has_tank == true",
         options: {max_length: 40}}
rules:
  - {key: in_use_within, expression: "in_use <= cylinders",
     message: 使用中の本数はボンベ本数以下にしてください。, fields: [in_use]}
"""

def today():
    return periods.today(utcnow())


class FormReader(HTMLParser):
    """What a browser would send for #survey-form as it stands (buttons aside)."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "survey-form":
            self.inside = True
        if not self.inside or tag != "input" or "name" not in attrs:
            return
        if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
            return
        self.values[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_values(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return reader.values


def text(html: str) -> str:
    """What the page says, tags and runs of white space as single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section_hidden(html: str, key: str) -> bool:
    """Whether section ``key`` is in the page but hidden (another one is shown)."""
    match = re.search(rf'<section [^>]*id="section-{key}"[^>]*>', html)
    assert match, f"no section {key}"
    return " hidden" in match.group(0)


def wrapper(html: str, key: str) -> str:
    """The wrapper of field ``key`` in a page or fragment."""
    match = re.search(rf'<(div|fieldset) class="[^"]*" id="field-{key}".*?</\1>', html, re.S)
    assert match, f"no field {key}"
    return match.group(0)


@pytest.fixture
def import_survey(runner, tmp_path):
    def do(text: str = OXYGEN, effective_from: str = "2020-04-01", name: str = "oxygen.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["surveys", "import", str(path), "--publish",
                                     "--effective-from", effective_from])
        assert result.exit_code == 0, result.output
    return do


class Filler:
    """One person's browser on the fill page."""

    def __init__(self, client, day=None, facility: int | None = None):
        self.client = client
        self.url = f"/surveys/oxygen_supply_check/{(day or today()).isoformat()}"
        self.query = f"?facility={facility}" if facility else ""
        home = client.get("/home").get_data(as_text=True)
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)

    def open(self, section: str | None = None):
        query = self.query + (("&" if self.query else "?") + f"section={section}"
                              if section else "")
        response = self.client.get(self.url + query)
        self.html = response.get_data(as_text=True)
        return response

    def post(self, path: str = "", htmx: bool = False, **typed):
        data = {**form_values(self.html), **{k.replace("__", "."): v for k, v in typed.items()}}
        headers = {"X-CSRFToken": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(self.url + path + self.query, data=data, headers=headers)


def response_of(facility) -> SurveyResponse:
    return session.scalars(sa.select(SurveyResponse)
                           .where(SurveyResponse.facility_id == facility.id)).one()


def test_a_new_definition_from_the_cli_is_filled_over_http_and_kept_with_its_history(
        import_survey, make_user, signed_in):
    import_survey()
    user = make_user(name="酸素 太郎")
    session.commit()
    client = signed_in(user)

    listing = client.get("/surveys").get_data(as_text=True)
    assert "酸素供給体制の確認" in listing and "未回答" in listing
    assert f"締切 {today():%Y/%m/%d} 13:00" in listing

    page = Filler(client)
    assert page.open().status_code == 200
    cylinders = wrapper(page.html, "cylinders")
    assert 'inputmode="numeric"' in cylinders and "必須" in cylinders
    assert 'inputmode="decimal"' in wrapper(page.html, "flow_rate")
    assert "酸素ボンベ" in page.html and "0/2" in page.html
    # Every section is in the page (switching needs no request); one is shown at a time.
    assert 'name="f.has_tank"' in page.html
    assert not section_hidden(page.html, "supply") and section_hidden(page.html, "plant")

    # A change is checked at once: only that field comes back, with the rule's message.
    checked = page.post("/validate", htmx=True, field="in_use", f__cylinders="10",
                        f__in_use="12")
    assert checked.status_code == 422
    fragment = checked.get_data(as_text=True)
    assert "<html" not in fragment and "<form" not in fragment
    assert "使用中の本数はボンベ本数以下にしてください。" in wrapper(fragment, "in_use")
    assert 'hx-swap-oob="true"' in wrapper(fragment, "spare") and "-2本" in fragment
    assert 'id="survey-progress"' in fragment
    # The section's own heading counts along: both required fields are now answered.
    assert re.search(r'id="section-supply-count" hx-swap-oob="true">2/2<', fragment)
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0

    # The draft saves itself (htmx) and tells when; the form learns the new revision.
    saved = page.post("/save", htmx=True, f__cylinders="10", f__in_use="4")
    assert saved.status_code == 200
    assert "一時保存しました" in saved.get_data(as_text=True)
    assert 'id="survey-revision" value="1" hx-swap-oob="true"' in saved.get_data(as_text=True)
    response = response_of(user.facility)
    assert response.status == ResponseStatus.draft
    assert response.answers == {"cylinders": 10, "in_use": 4, "spare": 6}

    # Next section: saved, then shown (a plain POST and a redirect).
    page.html = page.html.replace('name="revision" id="survey-revision" value="0"',
                                  'name="revision" id="survey-revision" value="1"')
    moved = page.post(goto="plant", f__cylinders="10", f__in_use="4", f__flow_rate="２．５")
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith("?section=plant")
    page.open("plant")
    assert "酸素ボンベ 2/2" in text(page.html)
    assert section_hidden(page.html, "supply") and not section_hidden(page.html, "plant")
    assert "hidden" in wrapper(page.html, "tank_level").split(">")[0]

    # Answering "yes" shows the tank level, and makes the supplier required.
    shown = page.post("/validate", htmx=True, field="has_tank", f__has_tank="yes")
    assert shown.status_code == 200
    fragment = shown.get_data(as_text=True)
    assert "hidden" not in wrapper(fragment, "tank_level").split(">")[0]
    assert "必須" in wrapper(fragment, "supplier")

    # Submitting checks everything: an out-of-range number (typed full-width) is refused
    # next to its field, and everything typed stays.
    refused = page.post(action="submit", f__has_tank="yes", f__tank_level="１２０",
                        f__supplier="東京酸素")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "0〜100%の範囲で入力してください。" in wrapper(html, "tank_level")
    assert 'value="120"' in wrapper(html, "tank_level")  # read, normalised, kept
    assert 'value="東京酸素"' in wrapper(html, "supplier")
    assert 'class="error-summary" role="alert"' in html and 'href="#field-tank_level"' in html
    assert 'aria-invalid="true"' in wrapper(html, "tank_level")
    page.html = html

    done = page.post(action="submit", f__tank_level="８０")
    assert done.status_code == 303
    response = response_of(user.facility)
    assert done.headers["Location"] == f"/responses/{response.id}"
    assert response.status == ResponseStatus.submitted
    assert response.answers == {"cylinders": 10, "in_use": 4, "spare": 6, "flow_rate": "2.5",
                                "has_tank": True, "tank_level": 80, "supplier": "東京酸素"}

    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "提出しました。" in shown and "提出済み" in shown
    assert "ボンベ本数 10本" in text(shown) and "2.5L/分" in text(shown)
    history = shown[shown.index("項目ごとの変更履歴"):]
    assert "タンク残量" in history and "酸素 太郎" in history and "80%" in history
    assert "(空欄)" in history


def test_a_second_version_prefills_from_the_first_and_old_answers_keep_their_version(
        import_survey, make_user, signed_in):
    import_survey()
    user = make_user()
    session.commit()
    client = signed_in(user)
    yesterday = Filler(client, today() - timedelta(days=1))
    yesterday.open()
    assert yesterday.post(goto="plant", f__cylinders="30", f__in_use="5",
                          f__flow_rate="3").status_code == 303
    yesterday.open("plant")
    assert yesterday.post(action="submit", f__has_tank="no").status_code == 303

    second = OXYGEN.replace("label: ボンベ本数", "label: 酸素ボンベの総数").replace(
        "      - {key: flow_rate, type: decimal, label: 平均流量, unit: L/分, min: 0, max: 60}\n",
        "      - {key: orders, type: integer, label: 発注中の本数, min: 0}\n")
    import_survey(second, today().isoformat(), "oxygen-2.yaml")

    current = Filler(client)
    current.open()
    assert "酸素ボンベの総数" in current.html and "発注中の本数" in current.html
    assert 'value="30"' in wrapper(current.html, "cylinders")  # prefill: true
    assert 'value=""' in wrapper(current.html, "in_use")  # not marked prefill

    old = response_of(user.facility)
    old_page = client.get(f"/responses/{old.id}").get_data(as_text=True)
    assert "平均流量" in old_page and "ボンベ本数" in old_page and "発注中" not in old_page
    assert "第1版" in old_page


def test_hidden_fields_are_neither_required_nor_stored(import_survey, make_user, signed_in):
    import_survey()
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.open()
    page.post(f__cylinders="5", f__in_use="1", goto="plant")
    page.open("plant")
    result = page.post(action="submit", f__has_tank="no", f__tank_level="55")
    assert result.status_code == 303, result.get_data(as_text=True)
    answers = response_of(user.facility).answers
    assert answers["has_tank"] is False and "tank_level" not in answers
    assert "supplier" not in answers


@pytest.mark.parametrize(("typed", "message"), [
    ("501", "0〜500本の範囲で入力してください。"),
    ("たくさん", "半角または全角の整数で入力してください(例: 12)。"),
])
def test_bad_numbers_get_a_message_next_to_the_field_and_the_rest_is_kept(
        import_survey, make_user, signed_in, typed, message):
    import_survey()
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.open()
    result = page.post(f__cylinders=typed, f__in_use="１，２", f__flow_rate="1.5")
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert message in wrapper(html, "cylinders") and f'value="{typed}"' in html
    assert 'value="12"' in wrapper(html, "in_use")
    assert "誤りのある項目は入力のまま保存しています" in html
    # The readable values are saved (full-width digits and separators normalised); the
    # other is kept as typed, apart from the answers.
    response = response_of(user.facility)
    assert response.answers == {"in_use": 12, "flow_rate": "1.5"}
    assert response.pending_inputs == {"cylinders": {"f.cylinders": typed}}

    # Coming back: the input is there, with its message; a valid value clears it.
    page.open()
    assert f'value="{typed}"' in wrapper(page.html, "cylinders")
    assert message in wrapper(page.html, "cylinders")
    assert 'value="12"' in wrapper(page.html, "in_use")
    assert page.post(action="save", f__cylinders="20").status_code == 303
    session.expire_all()
    response = response_of(user.facility)
    assert response.pending_inputs is None and response.answers["cylinders"] == 20


def test_without_javascript_every_step_is_a_post_and_a_redirect(import_survey, make_user,
                                                                 signed_in):
    import_survey()
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.open()
    assert page.post(action="save", f__cylinders="8").headers["Location"].endswith(
        "/surveys/oxygen_supply_check/" + today().isoformat() + "?section=supply")
    page.open()
    assert 'value="8"' in wrapper(page.html, "cylinders")
    assert "保存済み" in page.html
    assert page.post(goto="plant", f__in_use="2").status_code == 303
    page.open("plant")
    page.post(goto="supply", f__has_tank="yes")
    page.open("plant")
    assert "hidden" not in wrapper(page.html, "tank_level").split(">")[0]
    submitted = page.post(action="submit", f__tank_level="40", f__supplier="関東酸素")
    assert submitted.status_code == 303
    assert submitted.headers["Location"].startswith("/responses/")


def test_a_double_submission_stores_once_and_answers_the_same(import_survey, make_user,
                                                              signed_in):
    import_survey(OXYGEN.replace("key: plant", "key: plant\n    description: x").replace(
        "required: true}\n      - {key: tank_level", "}\n      - {key: tank_level"))
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.open()
    first = page.post(action="submit", section="", f__cylinders="3", f__in_use="1")
    second = page.post(action="submit", section="", f__cylinders="3", f__in_use="1")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    response = response_of(user.facility)
    events = session.scalars(sa.select(ResponseEvent.action)
                             .where(ResponseEvent.response_id == response.id)).all()
    assert events == ["submitted"]
    changes = session.scalar(sa.select(sa.func.count()).select_from(ResponseChange)
                             .where(ResponseChange.response_id == response.id))
    assert changes == 3  # cylinders, in_use, spare: once each


def test_two_people_saving_the_same_response_get_a_conflict_and_keep_their_input(
        import_survey, make_user, make_facility, app, signed_in):
    import_survey()
    facility = make_facility()
    first = make_user(facility=facility, name="先に 保存")
    second = make_user(facility=facility, name="後で 保存")
    session.commit()
    mine = Filler(signed_in(first))
    mine.open()
    other_client = app.test_client()
    from tests.fixtures.web import sign_in

    sign_in(other_client, second)
    theirs = Filler(other_client)
    theirs.open()

    assert mine.post(action="save", f__cylinders="10", f__in_use="1").status_code == 303
    clash = theirs.post(action="save", f__cylinders="12", f__in_use="1", f__flow_rate="4")
    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert "先に 保存さん" in html and "ほかの方の保存と重なりました" in html
    table = html[html.index("conflict-title"):html.index("</table>")]
    assert "ボンベ本数" in table and "10本" in table and "12本" in table
    assert "使用中の本数" not in table  # the same on both sides
    assert 'value="12"' in wrapper(html, "cylinders") and 'value="4"' in wrapper(html, "flow_rate")
    assert response_of(facility).answers["cylinders"] == 10

    # Having seen the difference, saving again is a deliberate overwrite.
    theirs.html = html
    assert theirs.post(action="save").status_code == 303
    assert response_of(facility).answers["cylinders"] == 12

    # The autosave of the first, still on revision 1, stops with a message.
    stale = mine.post("/save", htmx=True, revision="1", f__cylinders="11")
    assert stale.status_code == 409
    assert "後で 保存さん" in stale.get_data(as_text=True)


def test_returned_resubmitted_and_accepted(import_survey, make_user, signed_in, app):
    import_survey()
    user = make_user()
    reviewer = make_user(role=Role.prefecture, name="東京都 審査")
    session.commit()
    page = Filler(signed_in(user))
    page.open()
    page.post(goto="plant", f__cylinders="9", f__in_use="3")
    page.open("plant")
    assert page.post(action="submit", f__has_tank="no").status_code == 303
    response = response_of(user.facility)

    from tests.fixtures.web import csrf_token, sign_in

    review = app.test_client()
    sign_in(review, reviewer)
    url = f"/responses/{response.id}"
    token = csrf_token(review, url)
    assert "受理する" in review.get(url).get_data(as_text=True)
    empty = review.post(url + "/return", data={"csrf_token": token, "comment": " "})
    assert empty.status_code == 422
    assert "差戻しの理由を入力してください。" in empty.get_data(as_text=True)
    returned = review.post(url + "/return", data={"csrf_token": token,
                                                  "comment": "使用中の本数を確認してください。"})
    assert returned.status_code == 303
    assert response_of(user.facility).status == ResponseStatus.returned
    # Those who answer are told by e-mail, with the reason and the way back to the form.
    [mail] = session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == user.email and "差し戻されました" in mail.subject
    assert "使用中の本数を確認してください。" in mail.body
    assert f"/surveys/oxygen_supply_check/{today().isoformat()}" in mail.body

    page.open()
    assert "差戻しの理由: 使用中の本数を確認してください。" in page.html
    assert page.post(action="submit", section="", f__in_use="2",
                     f__has_tank="no").status_code == 303
    assert response_of(user.facility).status == ResponseStatus.submitted

    assert review.post(url + "/accept", data={"csrf_token": token}).status_code == 303
    assert response_of(user.facility).status == ResponseStatus.accepted
    detail = review.get(url).get_data(as_text=True)
    for label in ("提出", "差戻し", "再提出", "受理"):
        assert f"> {label}(" in detail or f"{label}(" in detail
    assert "使用中の本数を確認してください。" in detail

    # Accepted answers are only shown.
    assert page.open().status_code == 303
    late = page.post(action="submit", section="", f__in_use="1")
    assert late.status_code == 303 and late.headers["Location"] == url
    assert response_of(user.facility).answers["in_use"] == 2


def test_an_aggregator_answers_for_a_member_but_not_for_others(
        import_survey, make_user, make_facility, signed_in):
    import_survey()
    member, stranger = make_facility(), make_facility()
    aggregator = make_user(role=Role.aggregator)
    aggregator.aggregator.members.append(member)
    session.commit()
    client = signed_in(aggregator)
    assert member.name in client.get("/surveys").get_data(as_text=True)
    listing = client.get(f"/surveys?facility={member.id}").get_data(as_text=True)
    assert f"facility={member.id}" in listing and "酸素供給体制の確認" in listing

    page = Filler(client, facility=member.id)
    assert page.open().status_code == 200
    assert page.post(action="save", f__cylinders="7").status_code == 303
    response = response_of(member)
    assert response.answered_on_behalf is True
    shown = text(client.get(f"/responses/{response.id}").get_data(as_text=True))
    assert "代理回答" in shown
    # Who answered for whom: the member's record names the aggregator's user and body.
    assert f"({aggregator.name}、{aggregator.aggregator.name})" in shown

    assert Filler(client, facility=stranger.id).open().status_code == 404
    assert client.get(f"/surveys?facility={stranger.id}").status_code == 404


def test_who_and_when_may_answer(import_survey, make_user, make_facility, signed_in):
    import_survey()
    clinic = make_user(facility=make_facility(facility_type=FacilityType.clinic))
    hospital = make_user()
    session.commit()
    client = signed_in(clinic)
    assert "酸素供給体制の確認" not in client.get("/surveys").get_data(as_text=True)
    refused = client.get(f"/surveys/oxygen_supply_check/{today()}")
    assert refused.status_code == 403
    assert "診療所はこの調査の回答対象ではありません。" in refused.get_data(as_text=True)
    client.post("/logout", headers={"X-CSRFToken": Filler(client).token})

    client = signed_in(hospital)
    assert client.get(f"/surveys/oxygen_supply_check/{today() + timedelta(days=1)}"
                      ).status_code == 403
    too_old = client.get(f"/surveys/oxygen_supply_check/{today() - timedelta(days=3)}")
    assert too_old.status_code == 403 and "回答できるのは" in too_old.get_data(as_text=True)
    assert client.get("/surveys/oxygen_supply_check/2026-W01").status_code == 404
    assert client.get(f"/surveys/no_such_survey/{today()}").status_code == 404
