"""Nothing typed is lost on the fill page: inputs that cannot be stored yet stay with the
draft, a correction to a submitted answer is a draft of its own until it is submitted, and
a refused submission keeps what was typed and opens the section of its first error."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from gmis.db import session
from gmis.models import LatestResponse, ResponseEvent, ResponseStatus, Role, SurveyResponse
from gmis.surveys.engine import periods
from tests.blueprints import test_survey_fill
from tests.blueprints.test_survey_fill import (
    Filler,
    form_values,
    response_of,
    section_hidden,
    text,
    today,
    wrapper,
)

#: The fixture that imports the oxygen survey of the fill tests.
import_survey = test_survey_fill.import_survey


def test_a_half_filled_table_is_a_draft_and_comes_back_with_its_message(
        builtin_survey, make_user, signed_in):
    builtin_survey("supplies_weekly")
    user = make_user()
    session.commit()
    client = signed_in(user)
    page = Filler(client)
    page.url = f"/surveys/supplies_weekly/{periods.period_for('weekly', today()).key}"
    page.open()

    # One row begun: the table is required whole, so it cannot be an answer yet.
    saved = page.post("/save", htmx=True, **{"f.supplies.n95_mask.stock": "120",
                                             "f.supplies.n95_mask.weekly_use": "４０"})
    assert saved.status_code == 200
    fragment = saved.get_data(as_text=True)
    assert "まだ保存されていません" not in fragment and "一時保存しました" in fragment
    assert "誤りのある1項目は入力のまま保存しています" in fragment
    response = response_of(user.facility)
    assert response.status == ResponseStatus.draft
    assert response.pending_inputs == {"supplies": {"f.supplies.n95_mask.stock": "120",
                                                    "f.supplies.n95_mask.weekly_use": "４０"}}
    assert "supplies" not in response.answers

    # Leaving and coming back: the cells are there, with the table's message.
    page.open()
    table = wrapper(page.html, "supplies")
    assert 'name="f.supplies.n95_mask.stock"' in table
    assert 'value="120"' in table and 'value="40"' in table
    assert "表のすべての欄を入力してください" in table
    assert "保存済み" in page.html


def test_a_correction_is_saved_apart_until_it_is_submitted(
        import_survey, make_user, signed_in, app):
    import_survey()
    user = make_user()
    reviewer = make_user(role=Role.prefecture)
    session.commit()
    page = Filler(signed_in(user))
    page.open()
    assert page.post(action="submit", f__cylinders="10", f__in_use="4",
                     f__has_tank="no").status_code == 303
    response = response_of(user.facility)
    submitted = dict(response.answers)
    latest = session.get(LatestResponse, (response.survey_id, response.respondent_key))
    assert latest.response_id == response.id

    # Correcting: the autosave keeps the correction, and the answers stay as submitted.
    page.open()
    assert "修正を提出する" in page.html and "一時保存する" in page.html
    saved = page.post("/save", htmx=True, f__cylinders="12", f__in_use="４００")
    assert saved.status_code == 200
    fragment = saved.get_data(as_text=True)
    assert "修正を一時保存しました" in fragment and "(未提出)" in fragment
    assert 'id="correction-notice"' in fragment and "修正を取り消す" in fragment
    session.expire_all()
    response = response_of(user.facility)
    assert response.status == ResponseStatus.submitted
    assert response.answers == submitted
    assert response.correction["cylinders"] == 12 and "in_use" in response.correction
    assert response.pending_inputs is None  # 400 is a number; the rule speaks at submission
    from tests.fixtures.web import sign_in

    prefecture = app.test_client()
    sign_in(prefecture, reviewer)
    shown = text(prefecture.get(f"/responses/{response.id}").get_data(as_text=True))
    assert "ボンベ本数 10本" in shown and "12本" not in shown

    # Coming back: the correction, said to be unsubmitted; an autosave of a stale page
    # is a conflict, as for any draft.
    stale = page.html
    page.open()
    assert 'value="12"' in wrapper(page.html, "cylinders")
    assert "修正内容を一時保存しています(まだ提出されていません)" in page.html
    page.html = stale
    assert page.post("/save", htmx=True, f__cylinders="13").status_code == 409

    # A refused submission keeps the correction and names the error.
    page.open()
    refused = page.post(action="submit", f__in_use="600")
    assert refused.status_code == 422
    assert "使用中の本数はボンベ本数以下にしてください。" in refused.get_data(as_text=True)
    session.expire_all()
    assert response_of(user.facility).correction["in_use"] == 600
    assert response_of(user.facility).answers == submitted

    # 修正を取り消す: back to what was submitted.
    page.open()
    assert page.post(action="discard").status_code == 303
    session.expire_all()
    response = response_of(user.facility)
    assert response.correction is None and response.answers == submitted
    page.open()
    assert 'value="10"' in wrapper(page.html, "cylinders")
    assert "修正を取り消す" not in page.html

    # Submitting a correction: the answers change, with their history, and it is gone.
    assert page.post(action="submit", f__in_use="3").status_code == 303
    session.expire_all()
    response = response_of(user.facility)
    assert response.answers["in_use"] == 3 and response.correction is None
    events = session.scalars(sa.select(ResponseEvent.action)
                             .where(ResponseEvent.response_id == response.id)).all()
    assert events == ["submitted", "corrected"]


def test_a_refused_submission_keeps_the_draft_and_opens_the_first_error(
        import_survey, make_user, signed_in):
    import_survey()
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.open("plant")
    refused = page.post(action="submit", f__cylinders="８", f__has_tank="yes",
                        f__tank_level="120")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # The first error is in_use (required) of the first section: that one is shown.
    assert not section_hidden(html, "supply") and section_hidden(html, "plant")
    assert 'href="#field-in_use" data-section="supply"' in html
    assert 'href="#field-tank_level" data-section="plant"' in html
    response = response_of(user.facility)
    assert response.status == ResponseStatus.draft
    assert response.answers["cylinders"] == 8 and response.answers["has_tank"] is True
    assert response.pending_inputs == {"tank_level": {"f.tank_level": "120"}}


def test_without_javascript_a_section_switch_saves_and_redirects(
        import_survey, make_user, signed_in):
    import_survey()
    user = make_user()
    session.commit()
    page = Filler(signed_in(user), today() - timedelta(days=1))
    page.open()
    moved = page.post(goto="plant", f__cylinders="5")
    assert moved.status_code == 303 and moved.headers["Location"].endswith("?section=plant")
    page.open("plant")
    assert section_hidden(page.html, "supply") and not section_hidden(page.html, "plant")
    assert form_values(page.html)["f.cylinders"] == "5"
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1
