"""Responses (回答): one respondent's answers to a survey for one period, and their life:
draft → submitted → returned (with a comment) → submitted again → accepted.

Every change of a field is kept as a ``ResponseChange`` (who, when, old → new) and every step
as a ``ResponseEvent``; both are written with an audit record. A save carries the
``revision`` the person's form was shown with: when somebody else saved in the meantime and
the answers differ, nothing is written and ``Conflict`` tells who saved what. Saving exactly
what is stored changes nothing, so a double click or a repeated submission is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from gmis import audit
from gmis.db import session, utcnow
from gmis.models import (
    ResponseChange,
    ResponseEvent,
    ResponseStatus,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)
from gmis.refusals import conflict, forbidden, invalid, not_found
from gmis.surveys import runtime
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.periods import Period, answerable, is_late, today
from gmis.surveys.engine.reports import ReportKind, parse_report_key
from gmis.surveys.engine.validation import (
    INPUT_TOO_LONG,
    Evaluation,
    KeptInputs,
    defaults,
    derived,
    evaluate,
    field_inputs,
    prefill,
    read_form,
    too_long,
)
from gmis.surveys.store import eligibility, latest, reports
from gmis.surveys.store.eligibility import Respondent
from gmis.surveys.store.versions import version_for_period

EVENT_LABELS = {
    "created": "作成(一時保存)",
    "submitted": "提出",
    "resubmitted": "再提出",
    "corrected": "提出後の修正",
    "returned": "差戻し",
    "accepted": "受理",
}
RETURN_COMMENT_MAX = 2000


@dataclass(frozen=True)
class Difference:
    key: str
    label: str
    theirs: str
    yours: str


class Conflict(Exception):
    """Somebody saved the response after the form was shown, and the answers differ."""

    def __init__(self, response: SurveyResponse, differences: list[Difference]):
        super().__init__("response changed since the form was shown")
        self.response = response
        self.differences = differences


@dataclass
class Target:
    """What one respondent answers for one survey and period: the stored response, or the
    version (in force on the period's first day) and the answers a new one starts from."""

    survey: Survey
    period: Period
    respondent: Respondent
    version: SurveyVersion
    response: SurveyResponse | None = None
    _initial: dict | None = field(default=None, repr=False)
    _previous: list = field(default_factory=list, repr=False)

    @property
    def compiled(self) -> CompiledSurvey:
        return runtime.compiled(self.version)

    @property
    def answers(self) -> dict:
        """What the form starts from (JSON): a correction being drafted, the stored
        answers, or those a new response starts with."""
        if self.response is not None:
            if self.response.correction is not None:
                return self.response.correction
            return self.response.answers
        if self._initial is None:
            self._initial = initial_answers(self)
        return self._initial

    @property
    def pending_inputs(self) -> dict:
        """Inputs of the draft that could not be stored as answers yet, by field key."""
        if self.response is None or not self.response.pending_inputs:
            return {}
        return {key: inputs for key, inputs in self.response.pending_inputs.items()
                if key in self.compiled.fields and isinstance(inputs, dict)}

    @property
    def status(self) -> ResponseStatus | None:
        return self.response.status if self.response is not None else None

    @property
    def correcting(self) -> bool:
        """A response the reviewers have read (submitted, or returned to be answered again):
        what is saved is a correction of its own until submitted, so that they go on
        reading what was submitted, never what is being typed."""
        return self.status in (ResponseStatus.submitted, ResponseStatus.returned)

    @property
    def is_report(self) -> bool:
        """A report (報告) of a survey of period kind ``report``: new, periodic or ad hoc."""
        return self.period.kind == "report"

    @property
    def previous(self) -> SurveyResponse | None:
        """The respondent's latest response to an earlier period (whatever version): what
        a new response pre-fills from. A report starts from the published one (the latest
        accepted), never from a draft or a returned report. Read once per target."""
        if not self._previous and self.is_report:
            # A new report (新規報告) is the first: it starts from the defaults.
            new = parse_report_key(self.period.key).kind == ReportKind.new
            self._previous.append(None if new else reports.latest_accepted(
                self.survey, self.respondent.key))
        if not self._previous:
            self._previous.append(session.scalars(
                sa.select(SurveyResponse)
                .where(SurveyResponse.survey_id == self.survey.id,
                       SurveyResponse.respondent_key == self.respondent.key,
                       SurveyResponse.period_start < self.period.start)
                .order_by(SurveyResponse.period_start.desc(), SurveyResponse.id.desc())
            ).first())
        return self._previous[0]


def find(survey: Survey, respondent_key: str, period_key: str) -> SurveyResponse | None:
    return session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                        SurveyResponse.respondent_key == respondent_key,
                                        SurveyResponse.period_key == period_key)
    ).first()


def open_target(survey: Survey, respondent: Respondent, period: Period,
                now: datetime | None = None) -> Target:
    """The response to fill, or Refused: no version in force, not asked, period closed."""
    response = find(survey, respondent.key, period.key)
    version = response.version if response is not None else version_for_period(
        survey, respondent.prefecture_code, period, today(now or utcnow()))
    if version is None:
        raise not_found("この期間に回答できる調査の版がありません。")
    target = Target(survey, period, respondent, version, response)
    definition = target.compiled.definition
    if definition.period.kind != period.kind:
        raise not_found("この調査の報告期間ではありません。URLをご確認ください。")
    reason = eligibility.refusal(definition, respondent)
    if reason:
        raise forbidden(reason)
    # A returned response is answered again whenever the reviewer asks for it; an accepted
    # one is only shown.
    if target.status not in (ResponseStatus.returned, ResponseStatus.accepted):
        reason = answerable(definition.period, period, now or utcnow())
        if reason:
            raise forbidden(reason)
    if target.is_report:
        reports.check_opening(survey, respondent, period, response, today(now or utcnow()))
    return target


def initial_answers(target: Target) -> dict:
    """A new response: the fields' defaults, overlaid with the respondent's latest earlier
    answers for fields marked ``prefill`` (matched by key, whatever version they were)."""
    compiled = target.compiled
    values = defaults(compiled)
    earlier = target.previous
    if earlier is not None:
        values.update(prefill(compiled, earlier.answers))
    return {key: compiled.fields[key].type.to_json(value) for key, value in values.items()
            if not compiled.fields[key].type.is_empty(value)}


# --- reading a form --------------------------------------------------------------------------

@dataclass
class Answers:
    """The stored answers with the fields shown on the page replaced by what was typed."""

    evaluation: Evaluation
    #: What the page's fields hold (kept for hidden fields too, though never stored).
    typed: dict[str, Any]
    #: Inputs that could not be read, as typed.
    raw: dict[str, Any]
    #: Type errors of what was typed (unreadable, out of range...), by field, shown or not:
    #: such an input is never stored, and a draft keeps it as typed (``pending``).
    type_errors: dict[str, list[str]]
    #: Every field's value as evaluated: stored answers, then the typed ones.
    values: dict[str, Any]
    #: ``respondent`` of the expressions.
    context: dict[str, Any]
    #: What a draft keeps of the invalid fields: their inputs as sent (``field_inputs``).
    pending: dict[str, dict] = field(default_factory=dict)

    @property
    def invalid(self) -> set[str]:
        """Fields whose input is not a valid value of its type."""
        return set(self.type_errors)

    @property
    def rule_errors(self) -> dict[str, list[str]]:
        """What the definition says of the shown fields: required ones left empty, and its
        rules (the messages of ``evaluation`` that are not type errors)."""
        found = {}
        for key, messages in self.evaluation.errors.items():
            own = [m for m in messages if m not in self.type_errors.get(key, ())]
            if own:
                found[key] = own
        return found

    def control_value(self, compiled: CompiledSurvey, key: str) -> Any:
        """What the control of ``key`` shows."""
        if key in self.raw:
            return self.raw[key]
        field_type = compiled.fields[key].type
        if key in self.typed:
            return field_type.as_input(self.typed[key])
        return field_type.as_input(self.evaluation.values.get(key))


def read_answers(target: Target, form, shown: set[str] | None, *,
                 partial: bool = True) -> Answers:
    """Evaluate the stored answers with the ``shown`` fields (None: all) read from ``form``:
    each value is checked once, by its type as it is read or by ``evaluate``. The draft's
    pending inputs of fields not shown are read again as they were typed, so that they come
    back with their messages."""
    compiled = target.compiled
    if shown is not None:
        kept = {key: inputs for key, inputs in target.pending_inputs.items() if key not in shown}
        if kept:
            form, shown = KeptInputs(kept, form), shown | kept.keys()
    read = read_form(compiled, form, shown)
    # A whole form carries every field: what was stored (or would pre-fill) is not needed.
    stored = stored_answers(compiled, target.answers) if shown is not None else {}
    values = {**stored, **read.values}
    context = target.respondent.expression_context() if compiled.uses_respondent else {}
    evaluation = evaluate(compiled, values, respondent=context, read=read, partial=partial)
    type_errors = {key: list(messages) for key, messages in read.errors.items()}
    pending = {key: field_inputs(form, key, compiled.fields[key].type)
               for key in sorted(type_errors) if key in evaluation.visible}
    for key, inputs in pending.items():
        if too_long(form, inputs):
            evaluation.add(key, INPUT_TOO_LONG)
            type_errors[key].append(INPUT_TOO_LONG)
    return Answers(evaluation, read.values, read.raw, type_errors, values, context,
                   {key: inputs for key, inputs in pending.items() if inputs})


def stored_answers(compiled: CompiledSurvey, answers: dict) -> dict[str, Any]:
    """Stored JSON as values, skipping any a field can no longer read."""
    values = {}
    for key, value in answers.items():
        if key in compiled.fields:
            try:
                values[key] = compiled.fields[key].type.from_json(value)
            except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError):
                continue
    return values


def evaluate_stored(target: Target) -> Answers:
    return read_answers(target, {}, set())


def _to_store(compiled: CompiledSurvey, answers: Answers, previous: dict) -> dict:
    """The JSON to store: the values of visible fields, computed ones included. A field
    whose input could not be used keeps what was stored before, and what depends on it is
    worked out again from that."""
    evaluation = answers.evaluation
    if answers.invalid:
        kept = stored_answers(compiled, {key: value for key, value in previous.items()
                                         if key in answers.invalid})
        values = {**answers.values, **{key: kept.get(key) for key in answers.invalid}}
        # Checked already: only what follows from the earlier values is needed.
        evaluation = derived(compiled, values, respondent=answers.context)
    stored = {}
    for key, compiled_field in compiled.fields.items():
        value = evaluation.values.get(key)
        if not compiled_field.type.is_empty(value):
            stored[key] = compiled_field.type.to_json(value)
    return stored


# --- saving ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    #: None when a draft of a new response had nothing to keep.
    response: SurveyResponse | None
    #: False when nothing differed from what was stored (nothing was written).
    changed: bool


def save(target: Target, answers: Answers, *, user: User, revision: int | None,
         submit: bool = False) -> Saved:
    """Store a draft (``submit=False``) or submit. A submission must have been evaluated
    with ``partial=False`` and be free of errors. Raises Conflict or Refused."""
    if submit and not answers.evaluation.ok:
        raise ValueError("a submission with errors cannot be stored")
    if submit and target.is_report:
        # The kinds' rules may have changed since the report was opened (its window closed).
        reports.check_submission(target.survey, target.respondent, target.response,
                                 target.period, today(utcnow()))
    try:
        return _save(target, answers, user, revision, submit)
    except StaleDataError:
        # Another save landed between reading the row and writing it: judge against it.
        session.refresh(target.response)
        try:
            return _save(target, answers, user, revision, submit)
        except StaleDataError:
            session.refresh(target.response)
            raise Conflict(target.response, _differences(
                target.compiled, target.answers,
                _to_store(target.compiled, answers, target.answers))) from None


def _save(target: Target, answers: Answers, user: User, revision: int | None,
          submit: bool) -> Saved:
    compiled, response = target.compiled, target.response
    # The draft the form was filled from: a correction being made, or the answers.
    base = target.answers if response is not None else {}
    new = _to_store(compiled, answers, base)
    pending = answers.pending or None
    if response is not None:
        if response.status == ResponseStatus.accepted:
            raise conflict("受理済みの回答は変更できません。")
        if new != base and revision != response.revision:
            raise Conflict(response, _differences(compiled, base, new))
        if not submit and target.correcting:
            return _save_correction(target, new, pending, user)
    previous = response.answers if response is not None else {}
    previous_status = response.status if response is not None else None
    status = ResponseStatus.submitted if submit else (previous_status or ResponseStatus.draft)
    changes = [(key, previous.get(key), new.get(key)) for key in compiled.fields
               if previous.get(key) != new.get(key)]
    changes += [(key, value, None) for key, value in previous.items()
                if key not in compiled.fields]
    if response is not None and not changes and status == response.status and (
            pending == response.pending_inputs and response.correction is None):
        return Saved(response, changed=False)
    if response is None and not changes and not submit and not pending:
        return Saved(None, changed=False)  # nothing typed yet: no empty draft
    now = utcnow()
    if response is None:
        response = _create(target, user, new, status, now, changes, pending)
        if response is None:
            # Created by a request that got there first (a double click): judge against it.
            target.response = find(target.survey, target.respondent.key, target.period.key)
            if target.response is None:
                raise RuntimeError("the response could be neither created nor found")
            return _save(target, answers, user, revision, submit)
    else:
        with session.begin_nested():
            response.answers = new
            response.status = status
            response.updated_at = now
            response.updated_by_id = user.id
            response.answered_on_behalf = response.answered_on_behalf or (
                target.respondent.on_behalf)
            # A submission takes the correction in; a draft keeps what it cannot store yet.
            response.correction = None
            response.pending_inputs = None if submit else pending
            if submit:
                response.submitted_at = now
                if previous_status == ResponseStatus.draft:
                    # The first submission decides: a later correction, or an answer the
                    # reviewer sent back, does not make an answer that came in time late.
                    response.late = is_late(compiled.definition.period, target.period, now)
                response.return_comment = ""
            _record(response, user, now, changes, _event(previous_status, status, bool(changes)))
            session.flush()
    if submit:
        latest.record_submitted(response)
    audit.record("survey.response_submitted" if submit else "survey.response_saved",
                 response, user=user, survey=target.survey.key, period=target.period.key,
                 respondent=target.respondent.key, fields=[key for key, _, _ in changes])
    return Saved(response, changed=True)


def _save_correction(target: Target, new: dict, pending: dict | None, user: User) -> Saved:
    """A correction of a submitted response saved as a draft of its own: ``answers`` (what
    prefectures, the bed view and exports read) stay as submitted until it is submitted."""
    response = target.response
    correction = None if new == response.answers else new
    if correction == response.correction and pending == response.pending_inputs:
        return Saved(response, changed=False)
    _keep_correction(response, correction, pending, user)
    audit.record("survey.correction_saved", response, user=user, survey=target.survey.key,
                 period=target.period.key, respondent=target.respondent.key,
                 fields=sorted(key for key in new.keys() | response.answers.keys()
                               if new.get(key) != response.answers.get(key)))
    return Saved(response, changed=True)


def _keep_correction(response: SurveyResponse, correction: dict | None, pending: dict | None,
                     user: User) -> None:
    with session.begin_nested():
        response.correction = correction
        response.pending_inputs = pending
        response.updated_at = utcnow()
        response.updated_by_id = user.id
        session.flush()


def discard_correction(target: Target, user: User) -> bool:
    """修正を取り消す: drop the correction being drafted (False when there was none)."""
    response = target.response
    if not target.correcting or (response.correction is None and not response.pending_inputs):
        return False
    _keep_correction(response, None, None, user)
    audit.record("survey.correction_discarded", response, user=user,
                 survey=target.survey.key, period=target.period.key,
                 respondent=target.respondent.key)
    return True


def _create(target: Target, user: User, answers: dict, status: ResponseStatus, now: datetime,
            changes: list, pending: dict | None = None) -> SurveyResponse | None:
    """Insert the response with its first changes; None when the unique constraint says
    the same respondent's response for the period exists already."""
    respondent = target.respondent
    response = SurveyResponse(
        survey_id=target.survey.id, version=target.version, respondent_key=respondent.key,
        facility_id=respondent.facility_id, prefecture_code=respondent.prefecture_code,
        city_id=respondent.city_id, period_key=target.period.key,
        period_start=target.period.start, status=status, answers=answers,
        answered_on_behalf=respondent.on_behalf, created_at=now, updated_at=now,
        pending_inputs=None if status == ResponseStatus.submitted else pending,
        updated_by_id=user.id, submitted_at=now if status == ResponseStatus.submitted else None,
        late=status == ResponseStatus.submitted and is_late(
            target.compiled.definition.period, target.period, now),
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
            _record(response, user, now, changes,
                    "submitted" if status == ResponseStatus.submitted else "created")
            session.flush()
    except IntegrityError:
        return None
    target.response = response
    return response


def _event(before: ResponseStatus, after: ResponseStatus, changed: bool) -> str | None:
    if after != ResponseStatus.submitted:
        return None
    if before == ResponseStatus.returned:
        return "resubmitted"
    if before == ResponseStatus.submitted:
        return "corrected" if changed else None
    return "submitted"


def _record(response: SurveyResponse, user: User, now: datetime,
            changes: list[tuple[str, Any, Any]], event: str | None, comment: str = "") -> None:
    # Core inserts: a first submission writes a row per field, and the unit of work's
    # bookkeeping for rows nothing reads back was most of a submission's time.
    if changes:
        session.execute(sa.insert(ResponseChange.__table__), [
            dict(response_id=response.id, changed_at=now, user_id=user.id, field_key=key,
                 old_value=old, new_value=new) for key, old, new in changes])
    if event:
        session.execute(sa.insert(ResponseEvent.__table__).values(
            response_id=response.id, occurred_at=now, user_id=user.id, action=event,
            comment=comment))


def display(compiled: CompiledSurvey, key: str, json_value: Any) -> str:
    """A stored value as text, with its field type's display ("(空欄)" when empty)."""
    if json_value is None:
        return "(空欄)"
    compiled_field = compiled.fields.get(key)
    if compiled_field is None:
        return str(json_value)
    try:
        text = compiled_field.type.display(compiled_field.type.from_json(json_value))
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError):
        text = str(json_value)
    return text or "(空欄)"


def differences(compiled: CompiledSurvey, theirs: dict, yours: dict) -> list[Difference]:
    """The answered fields whose stored values differ (e.g. a report from the published one)."""
    return _differences(compiled, theirs, yours)


def _differences(compiled: CompiledSurvey, theirs: dict, yours: dict) -> list[Difference]:
    return [Difference(key, f.definition.label, display(compiled, key, theirs.get(key)),
                       display(compiled, key, yours.get(key)))
            for key, f in compiled.fields.items()
            if f.compute is None and theirs.get(key) != yours.get(key)]


# --- review ------------------------------------------------------------------------------

def return_response(response: SurveyResponse, user: User, comment: str) -> bool:
    """差戻し: send a submitted response back with a comment. False when it already was
    returned with this comment (a repeated click)."""
    comment = comment.strip()
    if not comment:
        raise invalid("差戻しの理由を入力してください。")
    if len(comment) > RETURN_COMMENT_MAX:
        raise invalid(f"差戻しの理由は{RETURN_COMMENT_MAX}文字以内で入力してください。")
    if response.status == ResponseStatus.returned and response.return_comment == comment:
        return False
    if response.status != ResponseStatus.submitted:
        raise conflict(f"「{response.status.label}」の回答は差し戻せません。")
    _transition(response, user, ResponseStatus.returned, "returned", comment)
    response.return_comment = comment
    return True


def accept(response: SurveyResponse, user: User) -> bool:
    """受理. False when it already was accepted (a repeated click)."""
    if response.status == ResponseStatus.accepted:
        return False
    if response.status != ResponseStatus.submitted:
        raise conflict(f"「{response.status.label}」の回答は受理できません。")
    _transition(response, user, ResponseStatus.accepted, "accepted")
    return True


def _transition(response: SurveyResponse, user: User, status: ResponseStatus, event: str,
                comment: str = "") -> None:
    now = utcnow()
    response.status = status
    _record(response, user, now, [], event, comment)
    audit.record(f"survey.response_{event}", response, user=user, comment=comment)


def history(response: SurveyResponse, *, drafts_included: bool = True
            ) -> tuple[list[ResponseEvent], list[ResponseChange]]:
    """The response's events and field changes. Without ``drafts_included`` (a reviewer's
    view) the changes start after the first submission: what was typed into the draft
    before it is the respondent's own, like the draft itself."""
    events = list(session.scalars(
        sa.select(ResponseEvent).where(ResponseEvent.response_id == response.id)
        .order_by(ResponseEvent.occurred_at, ResponseEvent.id)))
    changes = sa.select(ResponseChange).where(ResponseChange.response_id == response.id)
    if not drafts_included:
        first_submission = next((e.occurred_at for e in events if e.action == "submitted"),
                                None)
        if first_submission is None:
            return events, []
        changes = changes.where(ResponseChange.changed_at > first_submission)
    return events, list(session.scalars(
        changes.order_by(ResponseChange.changed_at, ResponseChange.id)))
