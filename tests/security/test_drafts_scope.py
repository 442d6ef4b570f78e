"""A draft (一時保存) is its respondent's own until submitted: prefectures, cities and the
national office read what was submitted, never what a facility has typed but not sent (its
draft, the draft's earlier values in the history, a correction being drafted)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import City, Role, SurveyResponse
from gmis.surveys.engine import periods
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from tests.fixtures.surveys import submit_answers
from tests.fixtures.web import client_of, post_form
from tests.fixtures.web import page_text as text

#: Numbers no page shows by chance (below 1,000, so shown as typed): what the facility
#: typed into its draft, what it submitted, and the correction it is drafting since.
DRAFTED = "987"
SUBMITTED = "120"
CORRECTING = "654"


@pytest.fixture
def survey():
    definition = {"schema_version": 1, "key": "draft_scope", "title": "病床数調査",
                  "respondents": {"roles": ["facility", "prefecture", "city"]},
                  "period": {"kind": "daily"},
                  "sections": [{"key": "s", "title": "S", "fields": [
                      {"key": "beds", "type": "integer", "label": "病床数"},
                      {"key": "note", "type": "text", "label": "備考"}]}]}
    version = versions.import_definition(definition, field_types(), source="d.yaml").version
    versions.publish(version, date(2020, 4, 1))
    return version.survey


@pytest.fixture
def shinjuku():
    return session.scalars(sa.select(City).where(City.code == "131041")).one()


@pytest.fixture
def hospital(make_user, make_facility, shinjuku):
    """A hospital of 新宿区 (東京都) with a draft for today."""
    return make_user(facility=make_facility(name="新宿白十字病院", city_id=shinjuku.id))


def _today() -> date:
    return periods.today(utcnow())


def draft_of(survey, user) -> SurveyResponse:
    return submit_answers(survey, user, _today(), {"beds": DRAFTED, "note": "下書きの備考"},
                          submit=False)


REVIEWERS = [
    pytest.param({"role": Role.prefecture}, id="prefecture"),
    pytest.param({"role": Role.city}, id="city"),
    pytest.param({"role": Role.national}, id="national"),
    pytest.param({"role": Role.secretariat}, id="secretariat"),
]


@pytest.mark.parametrize("reviewer", REVIEWERS)
def test_reviewers_do_not_open_a_facilitys_draft(app, survey, hospital, make_user, shinjuku,
                                                 reviewer):
    draft = draft_of(survey, hospital)
    extra = {"city": shinjuku} if reviewer["role"] == Role.city else {}
    user = make_user(**reviewer, **extra)
    session.commit()

    seen = client_of(app, user).get(f"/responses/{draft.id}")

    assert seen.status_code == 404
    assert DRAFTED not in seen.get_data(as_text=True)
    own = client_of(app, hospital).get(f"/responses/{draft.id}")
    assert own.status_code == 200 and DRAFTED in own.get_data(as_text=True)


def test_a_prefecture_reads_its_own_draft_but_not_a_hospitals(app, survey, hospital,
                                                              make_user):
    prefecture = make_user(Role.prefecture)
    hospital_draft = draft_of(survey, hospital)
    own_draft = submit_answers(survey, prefecture, _today(), {"beds": "55"}, submit=False)
    session.commit()
    client = client_of(app, prefecture)

    assert client.get(f"/responses/{own_draft.id}").status_code == 200
    assert client.get(f"/responses/{hospital_draft.id}").status_code == 404


def test_the_list_and_the_csv_leave_a_facilitys_draft_out_even_when_asked(
        app, survey, hospital, make_user):
    draft_of(survey, hospital)
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    query = f"status=draft&from={_today()}&to={_today()}"

    listed = text(client.get(f"/reports/draft_scope/responses?{query}").get_data(as_text=True))
    with client.get(f"/reports/draft_scope/export.csv?{query}&encoding=utf-8") as exported:
        # Read at once: a streamed file keeps its request open until it is read or closed.
        status, exported_text = exported.status_code, exported.get_data(as_text=True)

    assert "新宿白十字病院" not in listed
    assert status == 200
    rows = list(csv.reader(io.StringIO(exported_text.lstrip("\ufeff"))))
    assert len(rows) == 1  # the header only
    assert DRAFTED not in exported_text


def test_a_reviewer_reads_what_was_submitted_not_what_was_typed_before_or_since(
        app, survey, hospital, make_user):
    draft_of(survey, hospital)
    submitted = submit_answers(survey, hospital, _today(), {"beds": SUBMITTED})
    submit_answers(survey, hospital, _today(), {"beds": CORRECTING}, submit=False)
    prefecture = make_user(Role.prefecture)
    session.commit()
    assert submitted.correction is not None  # the correction is being drafted

    page = text(client_of(app, prefecture).get(f"/responses/{submitted.id}")
                .get_data(as_text=True))

    assert f"病床数 {SUBMITTED}" in page
    assert DRAFTED not in page and "下書きの備考" not in page  # the draft before submitting
    assert CORRECTING not in page  # the correction not yet submitted
    own = text(client_of(app, hospital).get(f"/responses/{submitted.id}")
               .get_data(as_text=True))
    assert DRAFTED in own  # the facility keeps its whole history


def test_a_returned_response_being_answered_again_is_read_as_it_was_submitted(
        app, survey, hospital, make_user):
    submitted = submit_answers(survey, hospital, _today(), {"beds": SUBMITTED})
    prefecture = make_user(Role.prefecture)
    session.commit()
    reviewer = client_of(app, prefecture)
    sent_back = post_form(reviewer, f"/responses/{submitted.id}/return",
                          {"comment": "病床数をご確認ください。"},
                          page=f"/responses/{submitted.id}")
    assert sent_back.status_code in (302, 303)

    submit_answers(survey, hospital, _today(), {"beds": CORRECTING}, submit=False)
    session.commit()
    page = text(reviewer.get(f"/responses/{submitted.id}").get_data(as_text=True))

    assert f"病床数 {SUBMITTED}" in page
    assert CORRECTING not in page
    # Submitted again, the new answer is what the prefecture reads.
    submit_answers(survey, hospital, _today(), {"beds": CORRECTING})
    session.commit()
    page = text(reviewer.get(f"/responses/{submitted.id}").get_data(as_text=True))
    assert f"病床数 {CORRECTING}" in page
