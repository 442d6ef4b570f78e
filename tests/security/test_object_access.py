"""Who reads and writes which record, through the HTTP interface, for every role.

``tests/test_access.py`` checks each route per role; this checks each *record*. One world
(two prefectures, each with a hospital in a city, another hospital and a pharmacy; an
aggregator with members in both; fire departments; a city; a user of every role) holds a
record of every kind: facilities, submitted responses and drafts, SOS requests,
registration applications, user accounts and survey versions. Every user tries every
record: the detail pages, the lists and the CSV exports (which records they show), and the
writes (edit, accept, approve, publish, issue an account, answer for a member), a write
counting as done only when the database changed.

What each user *should* reach is written below from who owns what in the world
(``Owner``, ``Viewer``), independently of ``gmis.access``: replacing any scope rule there
with "everything" makes one of these tests fail.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import yaml
from flask import g, request_started

from gmis.accounts.passwords import hash_password
from gmis.db import session, utcnow
from gmis.models import (
    Aggregator,
    ApplicationStatus,
    City,
    DraftOrigin,
    Facility,
    FacilityType,
    FireDepartment,
    RegistrationApplication,
    ResponseStatus,
    Role,
    SecondaryArea,
    SosRequest,
    SosRequestItem,
    SosStatus,
    SurveyDraft,
    SurveyDraftStep,
    SurveyResponse,
    SurveyVersion,
    User,
    VersionStatus,
)
from gmis.surveys.engine import authoring, periods
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from tests.fixtures.factories import PASSWORD, facility_code
from tests.fixtures.surveys import SURVEY_DEFS
from tests.fixtures.web import form_fields, sign_in

TOKYO, OSAKA = "13", "27"


# --- who owns what ------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """A facility as the world made it: where it is and what it is."""

    name: str
    prefecture: str
    city: str | None
    hospital: bool


@dataclass(frozen=True)
class Viewer:
    """A user and what they belong to, as the world made them."""

    key: str
    role: Role
    prefecture: str | None = None  # a prefecture office's, or a fire department's
    city: str | None = None
    facility: str | None = None
    members: frozenset[str] = frozenset()

    def answers_for(self, facility: str) -> bool:
        """The facility's own users, and its aggregator, fill in and read its records."""
        return facility == self.facility or facility in self.members

    @property
    def nationwide(self) -> bool:
        return self.role in (Role.national, Role.secretariat)


@dataclass(frozen=True)
class Answer:
    """A survey response: whose it is, where, and whether it was submitted."""

    label: str
    respondent: str  # "facility:<name>", "prefecture:<code>" or "city:<name>"
    prefecture: str
    city: str | None
    submitted: bool
    facility: str | None = None
    period: str = ""

    def own_to(self, viewer: Viewer) -> bool:
        """Whether ``viewer`` is (or answers for) the respondent."""
        kind, _, ident = self.respondent.partition(":")
        return {"facility": viewer.answers_for(ident),
                "prefecture": viewer.role == Role.prefecture and viewer.prefecture == ident,
                "city": viewer.role == Role.city and viewer.city == ident}[kind]


@dataclass(frozen=True)
class Version:
    label: str
    prefecture: str | None  # None: a national version
    published: bool


# What each role may reach, from ownership alone.

def reads_facility(v: Viewer, f: Place) -> bool:
    return (v.nationwide or v.answers_for(f.name)
            or (v.role == Role.prefecture and f.prefecture == v.prefecture)
            or (v.role == Role.city and f.city == v.city))


def reads_beds_of(v: Viewer, f: Place) -> bool:
    """The bed view: hospitals of one's prefecture (a city: in the city); not for facilities."""
    return f.hospital and (
        v.nationwide or (v.role in (Role.prefecture, Role.fire_department)
                         and f.prefecture == v.prefecture)
        or (v.role == Role.city and f.city == v.city))


def edits_facility(v: Viewer, f: Place) -> bool:
    return v.role == Role.secretariat or (v.role == Role.prefecture
                                          and f.prefecture == v.prefecture)


def reads_answer(v: Viewer, a: Answer) -> bool:
    """A respondent reads its own drafts; reviewers read what was submitted in their area."""
    if v.role == Role.fire_department:
        return False
    if a.own_to(v):
        return True
    return a.submitted and (v.nationwide
                            or (v.role == Role.prefecture and a.prefecture == v.prefecture)
                            or (v.role == Role.city and a.city == v.city))


def reviews_answer(v: Viewer, a: Answer) -> bool:
    return (v.role in (Role.prefecture, Role.city, Role.national, Role.secretariat)
            and a.submitted and not a.own_to(v) and reads_answer(v, a))


def reads_supply_request(v: Viewer, f: Place) -> bool:
    return (v.nationwide or (v.role in (Role.facility, Role.aggregator)
                             and v.answers_for(f.name))
            or (v.role == Role.prefecture and f.prefecture == v.prefecture))


def reviews_supply_request(v: Viewer, f: Place) -> bool:
    return v.nationwide or (v.role == Role.prefecture and f.prefecture == v.prefecture)


def edits_supply_request(v: Viewer, f: Place) -> bool:
    return v.role in (Role.facility, Role.aggregator) and v.answers_for(f.name)


def reviews_application(v: Viewer, prefecture: str) -> bool:
    return v.role == Role.secretariat or (v.role == Role.prefecture
                                          and v.prefecture == prefecture)


def lists_account(v: Viewer, account: Viewer, places: dict[str, Place]) -> bool:
    """A prefecture lists the accounts of its office, its facilities and fire departments."""
    if v.role == Role.secretariat:
        return True
    if v.role != Role.prefecture:
        return False
    if account.role in (Role.prefecture, Role.fire_department):
        return account.prefecture == v.prefecture
    return account.role == Role.facility and places[account.facility].prefecture == v.prefecture


def issues_account(v: Viewer, role: Role, prefecture: str | None) -> bool:
    """The secretariat issues every account; a prefecture those of its own facilities and
    fire departments."""
    return v.role == Role.secretariat or (
        v.role == Role.prefecture and role in (Role.facility, Role.fire_department)
        and prefecture == v.prefecture)


def reads_version(v: Viewer, version: Version) -> bool:
    if v.nationwide:
        return True
    return v.role == Role.prefecture and (
        version.prefecture == v.prefecture
        or (version.prefecture is None and version.published))


def publishes_version(v: Viewer, version: Version) -> bool:
    if v.nationwide:
        return version.prefecture is None
    return v.role == Role.prefecture and version.prefecture == v.prefecture


# --- the world --------------------------------------------------------------------------------

MATRIX_SURVEY = {
    "schema_version": 1, "key": "matrix", "title": "アクセス確認調査",
    "respondents": {"roles": ["facility", "prefecture", "city"]},
    "period": {"kind": "daily"},
    "sections": [{"key": "s", "title": "S", "fields": [
        {"key": "n", "type": "integer", "label": "件数"}]}],
}


@dataclass
class Browser:
    viewer: Viewer
    user_id: int
    client: object
    token: str


@dataclass
class World:
    connection: object
    places: dict[str, Place]
    facility_ids: dict[str, int]
    browsers: dict[str, Browser]
    answers: dict[int, Answer]
    supply_requests: dict[int, str]  # id → facility name
    applications: dict[int, str]  # id → prefecture
    accounts: dict[int, Viewer]
    versions: dict[int, Version]
    drafts: dict[int, str | None]  # id → the owning prefecture (None: the national office)
    fire_departments: dict[int, str]  # id → prefecture
    city_ids: dict[str, int]
    aggregator_id: int
    today: date
    yesterday: date
    edit_forms: dict[str, dict] = field(default_factory=dict)

    def everyone(self) -> Iterable[Browser]:
        return self.browsers.values()

    def place_of_id(self) -> dict[int, Place]:
        return {ident: self.places[name] for name, ident in self.facility_ids.items()}


def _facility(name: str, prefecture: str, kind: FacilityType, city: City | None) -> Facility:
    area = session.scalars(sa.select(SecondaryArea).where(
        SecondaryArea.prefecture_code == prefecture).order_by(SecondaryArea.code)).first()
    facility = Facility(
        facility_type=kind, code=facility_code(prefecture, kind), name=name,
        name_kana="テスト", postal_code="1600023", address="東京都新宿区西新宿2-8-1",
        phone="0353211111", email="f@example.jp", beds=100 if kind == FacilityType.hospital
        else None, prefecture_code=prefecture, secondary_area_id=area.id, city_id=city and city.id)
    session.add(facility)
    return facility


def _publish(definition: dict, source: str, prefecture: str | None = None,
             publish: bool = True) -> SurveyVersion:
    version = versions.import_definition(definition, field_types(), source=source,
                                         prefecture_code=prefecture).version
    if publish:
        versions.publish(version, date(2020, 4, 1))
    return version


def _build() -> dict:
    shinjuku = session.scalars(sa.select(City).where(City.code == "131041")).one()
    osaka_city = session.scalars(sa.select(City).where(City.prefecture_code == OSAKA)
                                 .order_by(City.code)).first()
    cities = {"新宿区": shinjuku, "大阪の市": osaka_city}
    layout = [("甲一病院", TOKYO, FacilityType.hospital, "新宿区"),
              ("甲二病院", TOKYO, FacilityType.hospital, None),
              ("甲薬局", TOKYO, FacilityType.pharmacy, None),
              ("乙一病院", OSAKA, FacilityType.hospital, "大阪の市"),
              ("乙二病院", OSAKA, FacilityType.hospital, None),
              ("乙薬局", OSAKA, FacilityType.pharmacy, None)]
    facilities = {name: _facility(name, pref, kind, cities.get(city))
                  for name, pref, kind, city in layout}
    places = {name: Place(name, pref, city, kind == FacilityType.hospital)
              for name, pref, kind, city in layout}
    aggregator = Aggregator(name="甲乙医師会", prefecture_code=TOKYO,
                            members=[facilities["甲二病院"], facilities["乙一病院"]])
    fire = {TOKYO: FireDepartment(name="甲消防本部", prefecture_code=TOKYO),
            OSAKA: FireDepartment(name="乙消防本部", prefecture_code=OSAKA)}
    session.add_all([aggregator, *fire.values()])
    session.flush()

    password_hash = hash_password(PASSWORD)  # one slow hash for the whole world
    people = {
        "甲一病院の職員": (Viewer("甲一病院の職員", Role.facility, facility="甲一病院"),
                     {"facility": facilities["甲一病院"]}),
        "乙二病院の職員": (Viewer("乙二病院の職員", Role.facility, facility="乙二病院"),
                     {"facility": facilities["乙二病院"]}),
        "医師会": (Viewer("医師会", Role.aggregator, members=frozenset({"甲二病院", "乙一病院"})),
                {"aggregator": aggregator}),
        "東京都": (Viewer("東京都", Role.prefecture, prefecture=TOKYO),
                {"prefecture_code": TOKYO}),
        "大阪府": (Viewer("大阪府", Role.prefecture, prefecture=OSAKA),
                {"prefecture_code": OSAKA}),
        "新宿区": (Viewer("新宿区", Role.city, city="新宿区"), {"city": shinjuku}),
        "甲消防": (Viewer("甲消防", Role.fire_department, prefecture=TOKYO),
                {"fire_department": fire[TOKYO]}),
        "厚労省": (Viewer("厚労省", Role.national), {}),
        "事務局": (Viewer("事務局", Role.secretariat), {}),
    }
    users = {}
    for number, (key, (viewer, organisation)) in enumerate(people.items()):
        users[key] = User(login_id=f"matrix{number}", name=key, email=f"m{number}@example.jp",
                          role=viewer.role, password_hash=password_hash, **organisation)
    session.add_all(users.values())

    _publish(yaml.safe_load((SURVEY_DEFS / "hospital_daily.yaml").read_text("utf-8")),
             "hospital_daily.yaml")  # the bed view reads it
    national = _publish(MATRIX_SURVEY, "matrix.yaml")
    survey = national.survey
    extended = {**MATRIX_SURVEY, "sections": [{**MATRIX_SURVEY["sections"][0], "fields": [
        *MATRIX_SURVEY["sections"][0]["fields"],
        {"key": "local", "type": "integer", "label": "独自項目"}]}]}
    draft_versions = {
        "全国版2": _publish({**MATRIX_SURVEY, "title": "アクセス確認調査(改訂)"}, "m2.yaml",
                         publish=False),
        "東京都版": _publish(extended, "m13.yaml", TOKYO, publish=False),
        "大阪府版": _publish(extended, "m27.yaml", OSAKA, publish=False),
    }
    session.flush()

    today = periods.today(utcnow())
    yesterday = today - timedelta(days=1)
    respondents = [(f"facility:{name}", f"facility:{f.id}", f.prefecture_code,
                    f.city_id, f.id, name) for name, f in facilities.items()]
    respondents += [(f"prefecture:{code}", f"prefecture:{code}", code, None, None, None)
                    for code in (TOKYO, OSAKA)]
    respondents += [("city:新宿区", f"city:{shinjuku.id}", TOKYO, shinjuku.id, None, None)]
    answers = {}
    city_names = {c.id: name for name, c in cities.items()}
    for label, key, prefecture, city_id, facility_id, facility_name in respondents:
        for day, status in ((today, ResponseStatus.submitted),
                            (yesterday, ResponseStatus.draft)):
            response = SurveyResponse(
                survey=survey, version=national, respondent_key=key, facility_id=facility_id,
                prefecture_code=prefecture, city_id=city_id, period_key=day.isoformat(),
                period_start=day, status=status, answers={"n": 1},
                submitted_at=utcnow() if status == ResponseStatus.submitted else None)
            session.add(response)
            session.flush()
            answers[response.id] = Answer(
                f"{label} {day}", label, prefecture, city_names.get(city_id),
                status == ResponseStatus.submitted, facility_name, day.isoformat())

    supply_requests = {}
    for name, facility in facilities.items():
        request = SosRequest(facility=facility, prefecture_code=facility.prefecture_code,
                             title=f"要請_{name}", status=SosStatus.reviewing,
                             general_confirmed=True, applied_at=utcnow(), handling_date=today,
                             items=[SosRequestItem(item_key="gloves", quantity=10)])
        session.add(request)
        session.flush()
        supply_requests[request.id] = name

    applications = {}
    for number, code in enumerate((TOKYO, OSAKA)):
        application = RegistrationApplication(
            facility_type=FacilityType.clinic, facility_code=facility_code(code,
                                                                           FacilityType.clinic),
            facility_name=f"申請診療所{code}", postal_code="1600023",
            address="東京都新宿区西新宿2-8-1", phone="0353211111", contact_name="申請 太郎",
            email=f"apply{number}@example.jp", prefecture_code=code,
            number=f"2026120300000{number}", status=ApplicationStatus.pending)
        session.add(application)
        session.flush()
        applications[application.id] = code
    session.flush()

    # Survey builder drafts: the national office's and each prefecture's own.
    drafts = {}
    for owner in (None, TOKYO, OSAKA):
        draft = SurveyDraft(prefecture_code=owner, origin=DraftOrigin.blank,
                            document=authoring.blank(f"draft_{owner or 'national'}", "下書き"),
                            revision=1, step=1)
        session.add(draft)
        session.flush()
        session.add(SurveyDraftStep(draft_id=draft.id, number=1, document=draft.document,
                                    summary="作成"))
        drafts[draft.id] = owner

    all_versions = {v.id: Version(f"{v.survey.key} {v.prefecture_code or '全国'} 版{v.number}",
                                  v.prefecture_code,
                                  v.status == VersionStatus.published)
                    for v in session.scalars(sa.select(SurveyVersion))}
    assert set(draft_versions.values()) <= set(session.scalars(sa.select(SurveyVersion)))
    return dict(
        places=places, facility_ids={name: f.id for name, f in facilities.items()},
        people={key: (viewer, users[key].id) for key, (viewer, _) in people.items()},
        answers=answers, supply_requests=supply_requests, applications=applications,
        accounts={users[key].id: viewer for key, (viewer, _) in people.items()},
        versions=all_versions, drafts=drafts,
        fire_departments={d.id: code for code, d in fire.items()},
        city_ids={name: c.id for name, c in cities.items()}, aggregator_id=aggregator.id,
        today=today, yesterday=yesterday)


def _fresh_globals(sender, **extra):
    g.__dict__.clear()


@pytest.fixture(scope="module")
def world(app):
    """The world, built once for the module in a transaction rolled back at its end; each
    write a test tries runs in a savepoint of its own (see ``attempt``)."""
    database = app.extensions["gmis.db"]
    connection = database.engine.connect()
    transaction = connection.begin()
    database.bind = connection
    context = app.app_context()
    context.push()
    # As ``fresh_request_globals`` does for each test: every request its own ``g``.
    request_started.connect(_fresh_globals, app)
    try:
        built = _build()
        session.commit()
        browsers = {}
        for key, (viewer, user_id) in built.pop("people").items():
            client = app.test_client()
            sign_in(client, session.get(User, user_id))
            home = client.get("/home", follow_redirects=True).get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
            browsers[key] = Browser(viewer, user_id, client, token)
        yield World(connection=connection, browsers=browsers, **built)
    finally:
        request_started.disconnect(_fresh_globals, app)
        session.remove()
        context.pop()
        transaction.rollback()
        connection.close()
        database.bind = database.engine


@pytest.fixture
def db(world):
    """Replaces the per-test transaction of conftest: this module shares one world."""
    yield session


# --- observing through HTTP -------------------------------------------------------------------

def reached(response) -> bool:
    """A detail page shown (True) or refused as forbidden or missing (False)."""
    assert response.status_code in (200, 403, 404), (response.request.path,
                                                     response.status_code)
    return response.status_code == 200


def linked_ids(html: str, prefix: str) -> set[int]:
    return {int(found) for found in re.findall(rf'href="{re.escape(prefix)}(\d+)[/"?]', html)}


def csv_rows(response) -> list[list[str]]:
    """The rows of an export (none when refused). The response is closed at once: a streamed
    file keeps its request open until it is read or closed."""
    with response:
        status, body = response.status_code, response.get_data()
    if status in (403, 404):
        return []
    assert status == 200, (response.request.path, status)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]


def attempt(world: World, browser: Browser, url: str, data: dict,
            done: Callable[[], bool]) -> bool:
    """POST ``data`` to ``url`` as ``browser``'s user; whether ``done()`` then finds the
    change in the database. The change is rolled back afterwards."""
    # The test's own session ends what it had open first: rolling that back later would
    # take the savepoint below with it.
    session.commit()
    savepoint = world.connection.begin_nested()
    try:
        response = browser.client.post(url, data={"csrf_token": browser.token, **data})
        assert response.status_code < 500, (url, response.status_code)
        return done()
    finally:
        session.remove()
        savepoint.rollback()


def compare(expected: dict[str, set], seen: dict[str, set]) -> None:
    """Equal per user; the assertion names what each user reached but should not have,
    and what they should have reached but could not."""
    wrong = {}
    for key in expected:
        extra, missing = seen[key] - expected[key], expected[key] - seen[key]
        if extra or missing:
            wrong[key] = {"reached but should not": sorted(map(str, extra)),
                          "should but could not": sorted(map(str, missing))}
    assert wrong == {}


# --- facilities ------------------------------------------------------------------------------

def test_facilities_and_their_beds(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = set()
        seen[v.key] = set()
        for name, place in world.places.items():
            ident = world.facility_ids[name]
            for verb, rule in (("read", reads_facility), ("beds", reads_beds_of)):
                if rule(v, place):
                    expected[v.key].add((verb, name))
            if reached(client.get(f"/facilities/{ident}")):
                seen[v.key].add(("read", name))
            if reached(client.get(f"/beds/hospitals/{ident}")):
                seen[v.key].add(("beds", name))
        names = {ident: name for name, ident in world.facility_ids.items()}
        listing = client.get("/facilities")
        if listing.status_code == 200:
            listed = linked_ids(listing.get_data(as_text=True), "/facilities/")
            seen[v.key] |= {("read", names[i]) for i in listed if i in names}
        bed_list = client.get("/beds")
        if bed_list.status_code == 200:
            listed = linked_ids(bed_list.get_data(as_text=True), "/beds/hospitals/")
            seen[v.key] |= {("beds", names[i]) for i in listed if i in names}
        for url in ("/beds/export.csv?encoding=utf-8", "/beds/full/export.csv?encoding=utf-8"):
            for row in csv_rows(client.get(url)):
                seen[v.key] |= {("beds", name) for name in world.places if name in row}
    compare(expected, seen)


def _edit_form(world: World, name: str) -> dict:
    """The facility's edit form as the secretariat is shown it, with the name changed."""
    if name not in world.edit_forms:
        secretariat = world.browsers["事務局"].client
        html = secretariat.get(f"/facilities/{world.facility_ids[name]}/edit").get_data(
            as_text=True)
        world.edit_forms[name] = {**form_fields(html, "/edit"), "name": f"{name}改"}
    return world.edit_forms[name]


def test_who_edits_which_facility(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v = browser.viewer
        expected[v.key] = {name for name, place in world.places.items()
                           if edits_facility(v, place)}
        seen[v.key] = set()
        for name, ident in world.facility_ids.items():
            form = {k: value for k, value in _edit_form(world, name).items()
                    if k != "csrf_token"}
            if attempt(world, browser, f"/facilities/{ident}/edit", form,
                       lambda ident=ident, name=name: session.get(Facility, ident).name
                       == f"{name}改"):
                seen[v.key].add(name)
    compare(expected, seen)


def test_whom_an_aggregator_answers_for(world):
    period = world.today.isoformat()
    expected, seen = {}, {}
    for browser in world.everyone():
        v = browser.viewer
        expected[v.key] = {name for name in world.places
                           if v.role == Role.aggregator and v.answers_for(name)}
        seen[v.key] = set()
        if v.role != Role.aggregator:
            continue
        for name, ident in world.facility_ids.items():
            if reached(browser.client.get(f"/surveys/matrix/{period}?facility={ident}")):
                seen[v.key].add(name)
            if reached(browser.client.get(f"/sos/new?facility={ident}")):
                seen[v.key].add(name)
    compare(expected, seen)


# --- survey responses and drafts --------------------------------------------------------------

def test_responses_and_drafts(world):
    span = f"from={world.yesterday}&to={world.today}"
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = {a.label for a in world.answers.values() if reads_answer(v, a)}
        seen[v.key] = {world.answers[i].label for i in world.answers
                       if reached(client.get(f"/responses/{i}"))}
        listed_as = {}
        for query in (span, f"{span}&status=draft"):
            listing = client.get(f"/reports/matrix/responses?{query}")
            if listing.status_code == 200:
                listed = linked_ids(listing.get_data(as_text=True), "/responses/")
                listed_as.setdefault("list", set()).update(
                    world.answers[i].label for i in listed if i in world.answers)
            for row in csv_rows(client.get(f"/reports/matrix/export.csv?{query}"
                                           f"&encoding=utf-8")):
                listed_as.setdefault("export", set()).update(
                    a.label for a in world.answers.values() if _is_row_of(row, a))
        for found in listed_as.values():
            # A list or an export shows what the user may read, and no more (their own
            # organisation's responses appear there only for reviewers).
            seen[v.key] |= found
    compare(expected, seen)


def _is_row_of(row: list[str], answer: Answer) -> bool:
    """The export names the respondent (facility, city or prefecture) and the period."""
    names = {"prefecture:13": "東京都", "prefecture:27": "大阪府", "city:新宿区": "新宿区"}
    respondent = answer.facility or names[answer.respondent]
    return row[0] == answer.period and row[3] == respondent


def test_who_accepts_which_response(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v = browser.viewer
        expected[v.key] = {a.label for a in world.answers.values() if reviews_answer(v, a)}
        seen[v.key] = {
            world.answers[i].label for i in world.answers
            if attempt(world, browser, f"/responses/{i}/accept", {},
                       lambda i=i: session.get(SurveyResponse, i).status
                       == ResponseStatus.accepted)}
    compare(expected, seen)


# --- emergency supply requests ------------------------------------------------------------------

def test_supply_requests(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = {name for name in world.supply_requests.values()
                           if reads_supply_request(v, world.places[name])}
        seen[v.key] = {name for i, name in world.supply_requests.items()
                       if reached(client.get(f"/sos/{i}"))
                       or reached(client.get(f"/sos/{i}/print"))}
        pages = ["/sos", "/sos/review"]
        if v.role == Role.aggregator:  # the others' list ignores the member argument
            pages += [f"/sos?facility={i}" for i in world.facility_ids.values()]
        for url in pages:
            listing = client.get(url)
            if listing.status_code == 200:
                seen[v.key] |= {world.supply_requests[i] for i in linked_ids(
                    listing.get_data(as_text=True), "/sos/") if i in world.supply_requests}
        for row in csv_rows(client.get("/sos/review/export.csv?encoding=utf-8")):
            seen[v.key] |= {name for name in world.places if f"要請_{name}" in row}
    compare(expected, seen)


def test_who_accepts_and_who_changes_which_supply_request(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v = browser.viewer
        expected[v.key] = {
            *(("accept", name) for name in world.supply_requests.values()
              if reviews_supply_request(v, world.places[name])),
            *(("change", name) for name in world.supply_requests.values()
              if edits_supply_request(v, world.places[name]))}
        seen[v.key] = set()
        for i, name in world.supply_requests.items():
            if attempt(world, browser, f"/sos/{i}/accept", {},
                       lambda i=i: session.get(SosRequest, i).status == SosStatus.accepted):
                seen[v.key].add(("accept", name))
            change = {"action": "save", "revision": "1", "general_confirmed": "y",
                      "quantity_gloves": "20", "remark": f"{v.key}が変更"}
            if attempt(world, browser, f"/sos/{i}", change,
                       lambda i=i, key=v.key: session.get(SosRequest, i).remark
                       == f"{key}が変更"):
                seen[v.key].add(("change", name))
    compare(expected, seen)


# --- registration applications ------------------------------------------------------------------

def test_registration_applications(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = {
            *(("read", code) for code in world.applications.values()
              if reviews_application(v, code)),
            *(("approve", code) for code in world.applications.values()
              if reviews_application(v, code))}
        seen[v.key] = {("read", code) for i, code in world.applications.items()
                       if reached(client.get(f"/registrations/{i}"))}
        listing = client.get("/registrations")
        if listing.status_code == 200:
            seen[v.key] |= {("read", world.applications[i]) for i in linked_ids(
                listing.get_data(as_text=True), "/registrations/") if i in world.applications}
        for i, code in world.applications.items():
            if attempt(world, browser, f"/registrations/{i}/approve", {},
                       lambda i=i: session.get(RegistrationApplication, i).status
                       == ApplicationStatus.approved):
                seen[v.key].add(("approve", code))
    compare(expected, seen)


# --- user accounts ----------------------------------------------------------------------------

def test_user_accounts_listed(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = {account.key for account in world.accounts.values()
                           if lists_account(v, account, world.places)}
        seen[v.key] = {world.accounts[i].key for i in world.accounts
                       if reached(client.get(f"/users/{i}"))}
        listing = client.get("/users")
        if listing.status_code == 200:
            seen[v.key] |= {world.accounts[i].key for i in linked_ids(
                listing.get_data(as_text=True), "/users/") if i in world.accounts}
    compare(expected, seen)


def _accounts_to_issue(world: World) -> list[tuple[str, Role, str, str | None]]:
    """(label, role, the form's organisation, the prefecture it belongs to)."""
    facilities = session.scalars(sa.select(Facility).where(
        Facility.id.in_(world.facility_ids.values()))).all()
    wanted = [(f"facility:{f.name}", Role.facility, f.code, f.prefecture_code)
              for f in facilities]
    wanted += [(f"fire:{code}", Role.fire_department, str(ident), code)
               for ident, code in world.fire_departments.items()]
    wanted += [(f"prefecture:{code}", Role.prefecture, code, code) for code in (TOKYO, OSAKA)]
    wanted += [("city:新宿区", Role.city, str(world.city_ids["新宿区"]), TOKYO),
               ("aggregator", Role.aggregator, str(world.aggregator_id), TOKYO),
               ("national", Role.national, "", None),
               ("secretariat", Role.secretariat, "", None)]
    return wanted


def test_who_issues_which_account(world):
    wanted = _accounts_to_issue(world)
    expected, seen = {}, {}
    for browser in world.everyone():
        v = browser.viewer
        expected[v.key] = {label for label, role, _, prefecture in wanted
                           if issues_account(v, role, prefecture)}
        seen[v.key] = set()
        for number, (label, role, organisation, _) in enumerate(wanted):
            login_id = f"issued-{browser.user_id}-{number}"
            form = {"role": role.value, "organisation": organisation, "name": "発行 太郎",
                    "email": "issued@example.jp", "login_id": login_id}
            if attempt(world, browser, "/users/new", form,
                       lambda login_id=login_id: session.scalar(sa.select(sa.exists().where(
                           User.login_id == login_id)))):
                seen[v.key].add(label)
    compare(expected, seen)


# --- survey versions ----------------------------------------------------------------------------

def test_survey_versions(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = {
            *(("read", version.label) for version in world.versions.values()
              if reads_version(v, version)),
            *(("publish", version.label) for version in world.versions.values()
              if not version.published and publishes_version(v, version))}
        seen[v.key] = {("read", world.versions[i].label) for i in world.versions
                       if reached(client.get(f"/admin/surveys/versions/{i}"))
                       or reached(client.get(f"/admin/surveys/versions/{i}/definition"))}
        listing = client.get("/admin/surveys")
        if listing.status_code == 200:
            seen[v.key] |= {("read", world.versions[i].label) for i in linked_ids(
                listing.get_data(as_text=True), "/admin/surveys/versions/")
                if i in world.versions}
        tomorrow = (world.today + timedelta(days=1)).isoformat()
        for i, version in world.versions.items():
            if version.published:
                continue
            if attempt(world, browser, f"/admin/surveys/versions/{i}/publish",
                       {"effective_from": tomorrow, "confirmed": "yes"},
                       lambda i=i: session.get(SurveyVersion, i).status
                       == VersionStatus.published):
                seen[v.key].add(("publish", version.label))
    compare(expected, seen)


def builds_with(v: Viewer, owner: str | None) -> bool:
    """A survey builder draft belongs to an organisation: the national office's to national
    and the secretariat, a prefecture's to that prefecture."""
    if owner is None:
        return v.nationwide
    return v.role == Role.prefecture and v.prefecture == owner


def test_survey_builder_drafts(world):
    expected, seen = {}, {}
    for browser in world.everyone():
        v, client = browser.viewer, browser.client
        expected[v.key] = {*(("read", owner) for owner in world.drafts.values()
                             if builds_with(v, owner)),
                           *(("change", owner) for owner in world.drafts.values()
                             if builds_with(v, owner))}
        seen[v.key] = {("read", world.drafts[i]) for i in world.drafts
                       if reached(client.get(f"/admin/surveys/builder/{i}"))
                       or reached(client.get(f"/admin/surveys/builder/{i}/export"))
                       or reached(client.get(f"/admin/surveys/builder/{i}/preview"))}
        listing = client.get("/admin/surveys/builder")
        if listing.status_code == 200:
            seen[v.key] |= {("read", world.drafts[i]) for i in linked_ids(
                listing.get_data(as_text=True), "/admin/surveys/builder/") if i in world.drafts}
        for i, owner in world.drafts.items():
            for path, data in (("/fields/field_1", {"field.key": "field_1",
                                                    "field.label": "書き換え"}),
                               ("/sections", {"title": "追加"}),
                               ("/publish", {})):
                if attempt(world, browser, f"/admin/surveys/builder/{i}{path}",
                           {"revision": "1", **data},
                           lambda i=i: session.get(SurveyDraft, i).revision != 1):
                    seen[v.key].add(("change", owner))
    compare(expected, seen)


