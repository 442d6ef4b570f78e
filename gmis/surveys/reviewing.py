"""都道府県の審査: the review of function reports (surveys of period kind ``report``).

A facility's report (新規・定期・随時報告) is submitted to its prefecture, which reads it
field by field against what is published now, and accepts it (受理: it becomes the published
information) or returns it with a comment (差戻し: the facility gets an e-mail, corrects it
and submits it again, and it is back in the queue).

Who reviews is what ``gmis.access`` says of every response: a prefecture the reports of its
own facilities; a health-centre city (保健所設置市・特別区) those of the facilities in the city,
as it reviews every other survey's responses there; national and the secretariat read every
prefecture's and, holding the same review permission, may decide too. Nobody decides their
own organisation's report (``answering.may_review``).

Nothing here reads a request: the blueprint passes in the query arguments, the user and the
link the e-mail carries; what cannot be done is raised as ``gmis.refusals.Refused``, a
filter that cannot be used as a ``FilterError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from gmis import access
from gmis.db import session, utcnow
from gmis.filters import FilterError, parse_day
from gmis.japan_time import TOKYO
from gmis.models import (
    City,
    Facility,
    FacilityType,
    ResponseEvent,
    ResponseStatus,
    Role,
    SecondaryArea,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)
from gmis.publication import indexing
from gmis.refusals import forbidden
from gmis.surveys import answering, runtime
from gmis.surveys.engine.periods import report_period
from gmis.surveys.engine.reports import ReportKind, parse_report_key
from gmis.surveys.store import responses

#: What the queue's status filter offers; ``all`` is every status past the draft.
QUEUE_STATUSES = {
    "submitted": "審査待ち(提出済み)",
    "returned": "差戻し中",
    "accepted": "受理済み",
    "all": "すべて",
}
#: Shown in the published column of a report when nothing is published yet.
NOTHING_PUBLISHED = "(新規)"


def report_versions() -> sa.Select:
    """The ids of the survey versions whose period kind is ``report``: a response is a
    report when the version it was answered with says so."""
    return sa.select(SurveyVersion.id).where(
        SurveyVersion.definition["period"]["kind"].as_string() == "report")


def report_surveys() -> list[Survey]:
    """The surveys with a report version, by title (what the survey filter offers)."""
    return list(session.scalars(
        sa.select(Survey).where(Survey.id.in_(
            sa.select(SurveyVersion.survey_id).where(SurveyVersion.id.in_(report_versions()))))
        .order_by(Survey.title, Survey.id)))


def reports(user: User) -> sa.Select:
    """The reports ``user`` may read (``access.responses``), drafts left out: a draft is
    its facility's own until submitted."""
    return access.responses(user).where(SurveyResponse.version_id.in_(report_versions()),
                                        SurveyResponse.status != ResponseStatus.draft)


def report_in_scope(user: User, response_id: int) -> SurveyResponse:
    """One report in the user's scope; another prefecture's looks like one that does not
    exist (404, noted in the audit log)."""
    return access.scoped_or_404(
        reports(user).where(SurveyResponse.id == response_id)
        .options(joinedload(SurveyResponse.version), joinedload(SurveyResponse.survey),
                 joinedload(SurveyResponse.facility).joinedload(Facility.secondary_area)),
        response_id)


# --- the queue ---------------------------------------------------------------------------

def japan_day_start(day: date) -> datetime:
    """The first instant of ``day`` in Japan, in UTC (as times are stored)."""
    return datetime.combine(day, time(), TOKYO).astimezone(UTC)


@dataclass
class ReviewFilter:
    """The reports of the review queue (a ``gmis.filters.ListFilter``): submitted ones
    unless another status is asked for, by survey, kind, facility type, secondary area or
    health-centre city, the day submitted and, nationwide, prefecture. A value that is not
    one of those offered is refused: the page says which and keeps what was typed."""

    status: str = "submitted"
    survey_key: str = ""
    kind: ReportKind | None = None
    facility_type: FacilityType | None = None
    area_code: str = ""
    city_code: str = ""
    prefecture_code: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> ReviewFilter:
        problems = []
        status = args.get("status", "") or "submitted"
        if status not in QUEUE_STATUSES:
            problems.append("状態は一覧から選んでください。")
        kind = args.get("kind", "")
        if kind and kind not in {k.value for k in ReportKind}:
            problems.append("報告の種類は一覧から選んでください。")
        facility_type = args.get("type", "")
        if facility_type and facility_type not in FacilityType.__members__:
            problems.append("種別は一覧から選んでください。")
        area = args.get("area", "")
        if area and not (len(area) == 4 and area.isdigit()):
            problems.append("二次医療圏は一覧から選んでください。")
        city = args.get("city", "")
        if city and not (len(city) == 6 and city.isdigit()):
            problems.append("保健所設置市・特別区は一覧から選んでください。")
        code = args.get("pref", "") if access.nationwide(user) else ""
        if code and not (len(code) == 2 and code.isdigit()):
            problems.append("都道府県は一覧から選んでください。")
        survey_key = args.get("survey", "")
        if len(survey_key) > 63:
            problems.append("調査は一覧から選んでください。")
        start = end = None
        try:
            start = parse_day(args.get("from"), "提出日(開始)")
        except FilterError as error:
            problems.extend(error.messages)
        try:
            end = parse_day(args.get("to"), "提出日(終了)")
        except FilterError as error:
            problems.extend(error.messages)
        if start and end and end < start:
            problems.append("提出日(終了)は提出日(開始)以降にしてください。")
        if problems:
            raise FilterError(*problems)
        return cls(status=status, survey_key=survey_key,
                   kind=ReportKind(kind) if kind else None,
                   facility_type=FacilityType(facility_type) if facility_type else None,
                   area_code=area, city_code=city, prefecture_code=code, start=start, end=end)

    def args(self) -> dict[str, str]:
        args = {"status": self.status, "survey": self.survey_key,
                "kind": self.kind.value if self.kind else "",
                "type": self.facility_type.value if self.facility_type else "",
                "area": self.area_code, "city": self.city_code, "pref": self.prefecture_code,
                "from": self.start.isoformat() if self.start else "",
                "to": self.end.isoformat() if self.end else ""}
        return {key: value for key, value in args.items() if value}

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        clauses = []
        if self.status != "all":
            clauses.append(SurveyResponse.status == ResponseStatus(self.status))
        if self.survey_key:
            clauses.append(SurveyResponse.survey_id.in_(
                sa.select(Survey.id).where(Survey.key == self.survey_key)))
        if self.kind is not None:
            # Within report versions a period key starts with its kind (engine.reports).
            clauses.append(SurveyResponse.period_key.startswith(f"{self.kind.value}-"))
        if self.prefecture_code:
            clauses.append(SurveyResponse.prefecture_code == self.prefecture_code)
        if self.start is not None:
            clauses.append(SurveyResponse.submitted_at >= japan_day_start(self.start))
        if self.end is not None:
            clauses.append(SurveyResponse.submitted_at
                           < japan_day_start(self.end + timedelta(days=1)))
        facility_clauses = []
        if self.facility_type is not None:
            facility_clauses.append(Facility.facility_type == self.facility_type)
        if self.area_code:
            facility_clauses.append(Facility.secondary_area_id.in_(
                sa.select(SecondaryArea.id).where(SecondaryArea.code == self.area_code)))
        if self.city_code:
            facility_clauses.append(Facility.city_id.in_(
                sa.select(City.id).where(City.code == self.city_code)))
        if facility_clauses:
            clauses.append(SurveyResponse.facility_id.in_(
                sa.select(Facility.id).where(*facility_clauses)))
        return clauses


def queue(user: User, filters: ReviewFilter) -> sa.Select:
    """The reports of the queue in the user's scope: those waiting, longest waiting first,
    as they are worked through; any other status newest first."""
    submitted = SurveyResponse.submitted_at
    order = (submitted.asc(), SurveyResponse.id) if filters.status == "submitted" else (
        submitted.desc(), SurveyResponse.id.desc())
    return (reports(user).where(*filters.clauses())
            .options(joinedload(SurveyResponse.facility).joinedload(Facility.secondary_area),
                     joinedload(SurveyResponse.facility).joinedload(Facility.city),
                     joinedload(SurveyResponse.prefecture), joinedload(SurveyResponse.survey),
                     joinedload(SurveyResponse.version))
            .order_by(*order))


def kind_label(response: SurveyResponse) -> str:
    """新規報告・定期報告・随時報告 of a report's period key."""
    key = parse_report_key(response.period_key)
    return key.kind.label if key else response.period_key


def area_cities(user: User, prefecture_code: str = "") -> list[City]:
    """The health-centre cities the area filter offers: the user's prefecture's (a city
    user: none, its own scope is one city already)."""
    if user.role == Role.city:
        return []
    code = prefecture_code if access.nationwide(user) else user.home_prefecture_code
    if not code:
        return []
    return list(session.scalars(sa.select(City).where(City.prefecture_code == code)
                                .order_by(City.code)))


# --- what is published now, and the difference -----------------------------------------------

def published_report(response: SurveyResponse) -> SurveyResponse | None:
    """The report of the same facility and survey that is published now (the latest
    accepted, whatever version): for an accepted report, the one published before it."""
    query = (sa.select(SurveyResponse)
             .where(SurveyResponse.survey_id == response.survey_id,
                    SurveyResponse.respondent_key == response.respondent_key,
                    SurveyResponse.status == ResponseStatus.accepted,
                    SurveyResponse.id != response.id)
             .options(joinedload(SurveyResponse.version))
             .order_by(SurveyResponse.accepted_at.desc().nulls_last(),
                       SurveyResponse.id.desc()))
    if response.status == ResponseStatus.accepted and response.accepted_at is not None:
        query = query.where(SurveyResponse.accepted_at < response.accepted_at)
    return session.scalars(query).first()


@dataclass(frozen=True)
class DiffRow:
    key: str
    label: str
    section: str
    #: Shown to residents once accepted (the field's ``public``); else internal.
    public: bool
    published: str
    submitted: str
    changed: bool


@dataclass
class ReportDiff:
    """The report's fields against the published report's, matched by field key, in the
    report's order (then any field only the published version had)."""

    published: SurveyResponse | None
    rows: list[DiffRow]

    @property
    def changed(self) -> list[DiffRow]:
        return [row for row in self.rows if row.changed]


def report_diff(response: SurveyResponse) -> ReportDiff:
    """差分: each field of ``response`` beside what is published now, as each version's
    field type displays it; "(新規)" in every row when nothing is published."""
    compiled = runtime.compiled(response.version)
    published = published_report(response)
    before = runtime.compiled(published.version) if published is not None else None
    old_answers = published.answers if published is not None else {}
    rows = []
    for section in compiled.sections:
        for compiled_field in compiled.section_fields(section.key):
            key = compiled_field.key
            new = response.answers.get(key)
            old = old_answers.get(key)
            rows.append(DiffRow(
                key, compiled_field.definition.label, section.title,
                bool(compiled_field.definition.public),
                responses.display(before, key, old) if before is not None else NOTHING_PUBLISHED,
                responses.display(compiled, key, new),
                changed=new != old if before is not None else new is not None))
    if before is not None:
        # A field the published version had and this one no longer asks: it stops being
        # published, which the reviewer should see.
        for key, old_field in before.fields.items():
            if key not in compiled.fields and old_answers.get(key) is not None:
                rows.append(DiffRow(key, old_field.definition.label, "(この版にない項目)",
                                    bool(old_field.definition.public),
                                    responses.display(before, key, old_answers.get(key)),
                                    "(項目なし)", changed=True))
    return ReportDiff(published, rows)


# --- history ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryItem:
    occurred_at: datetime
    report: SurveyResponse
    action: str
    who: str
    comment: str

    @property
    def label(self) -> str:
        return responses.EVENT_LABELS.get(self.action, self.action)

    @property
    def report_label(self) -> str:
        """「令和8年度 定期報告」, 「随時報告(2026年12月4日)」."""
        period = report_period(self.report.period_key)
        return period.label if period else self.report.period_key


def facility_history(user: User, response: SurveyResponse) -> list[HistoryItem]:
    """Every report of the facility to this survey that the user may read (drafts are the
    facility's own) and every step of each (submitted, returned with its comment,
    resubmitted, accepted: who and when), newest first."""
    listed = list(session.scalars(
        reports(user).where(SurveyResponse.survey_id == response.survey_id,
                            SurveyResponse.respondent_key == response.respondent_key)))
    by_id = {r.id: r for r in listed}
    if not by_id:
        return []
    events = session.scalars(
        sa.select(ResponseEvent).where(ResponseEvent.response_id.in_(by_id))
        .options(joinedload(ResponseEvent.user))
        .order_by(ResponseEvent.occurred_at.desc(), ResponseEvent.id.desc()))
    return [HistoryItem(e.occurred_at, by_id[e.response_id], e.action,
                        e.user.name if e.user else "", e.comment) for e in events]


# --- deciding -----------------------------------------------------------------------------

def _may_decide(user: User, response: SurveyResponse) -> None:
    if not answering.may_review(user, response):
        raise forbidden("自組織の報告は審査できません。")


def accept_report(response: SurveyResponse, user: User) -> bool:
    """受理: the report becomes the facility's published information (``accepted_at``, the
    event and audit record of ``responses.accept``, then the public search index). False
    when it already was accepted (a repeated click); Refused (409) when it is not
    submitted."""
    _may_decide(user, response)
    if not responses.accept(response, user):
        return False
    response.accepted_at = utcnow()
    session.flush()
    indexing.publish(response)
    return True


def return_report(response: SurveyResponse, user: User, comment: str, link: str) -> bool:
    """差戻し with a comment, and an e-mail to those who report for the facility with
    ``link``, the page to correct it on. False when it already was returned with this
    comment (a repeated click: no second e-mail); Refused when it cannot be returned."""
    _may_decide(user, response)
    if not responses.return_response(response, user, comment):
        return False
    answering.notify_returned(response, comment.strip(), link)
    return True


def may_decide(user: User, response: SurveyResponse) -> bool:
    """Whether the page offers 受理 and 差戻し: a submitted report the user may review."""
    return response.status == ResponseStatus.submitted and answering.may_review(user, response)
