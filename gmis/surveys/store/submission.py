"""What the fill form sends, in one call: ``submit(target, form, action)`` reads the form
once, saves what the action asks (a draft, a submission, or dropping a correction) and says
what came of it as an ``Outcome``, which the page turns into its answer.

A submission that is not ready (type errors, or rule errors: required fields, the
definition's rules) is not submitted, but nothing typed is lost: the draft (or correction)
keeps it. A draft keeps what it cannot store yet as typed, so its type errors are worth
saying before the person moves on, while its rule errors wait for the submission.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gmis.models import User
from gmis.refusals import Refused
from gmis.surveys.store.responses import (
    Answers,
    Conflict,
    Saved,
    Target,
    discard_correction,
    read_answers,
    save,
)


class Action(enum.Enum):
    """What a button of the fill form asks."""

    #: 一時保存: a draft, or a correction of a submitted response kept apart.
    SAVE = "save"
    #: 提出する.
    SUBMIT = "submit"
    #: 修正を取り消す: drop the correction not submitted yet.
    DISCARD = "discard"


class Result(enum.Enum):
    #: The draft (or correction) is saved.
    SAVED = "saved"
    #: The response is submitted.
    SUBMITTED = "submitted"
    #: The submission has errors: not submitted, the draft keeps what was typed.
    NOT_SUBMITTED = "not_submitted"
    #: The correction is dropped (``changed`` False when there was none).
    DISCARDED = "discarded"
    #: Somebody saved since the form was shown, and the answers differ: nothing written.
    CONFLICT = "conflict"
    #: The response may not be changed (accepted meanwhile): nothing written.
    REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    result: Result
    #: The form as read and checked (None for DISCARD, which reads nothing).
    answers: Answers | None = None
    #: What was written: for SAVED, SUBMITTED, NOT_SUBMITTED (the draft) and DISCARDED.
    saved: Saved | None = None
    #: For CONFLICT: who saved what.
    conflict: Conflict | None = None
    #: For REFUSED: why.
    refused: Refused | None = None

    @property
    def changed(self) -> bool:
        """Whether anything differed from what was stored (False: nothing was written)."""
        return self.saved is not None and self.saved.changed

    @property
    def type_errors(self) -> dict[str, list[str]]:
        """Inputs the field types could not use, by field: never stored."""
        return self.answers.type_errors if self.answers is not None else {}

    @property
    def rule_errors(self) -> dict[str, list[str]]:
        """What required fields and the definition's rules say, by field."""
        return self.answers.rule_errors if self.answers is not None else {}


def revision_of(form: Mapping) -> int | None:
    """The revision of the response the form was shown with (None for a new one)."""
    value = form.get("revision", "")
    return int(value) if value.isdigit() else None


def submit(target: Target, form: Mapping, action: Action, *, user: User) -> Outcome:
    """Do what ``action`` asks with the whole fill form ``form`` (every section is in it,
    so it holds every field) for ``target``. The form is read and checked once; the
    caller commits."""
    if action is Action.DISCARD:
        return Outcome(Result.DISCARDED,
                       saved=Saved(target.response, discard_correction(target, user)))
    submitting = action is Action.SUBMIT
    answers = read_answers(target, form, None, partial=not submitting)
    revision = revision_of(form)
    try:
        if submitting and not answers.evaluation.ok:
            return Outcome(Result.NOT_SUBMITTED, answers,
                           save(target, answers, user=user, revision=revision))
        saved = save(target, answers, user=user, revision=revision, submit=submitting)
    except Conflict as conflict:
        return Outcome(Result.CONFLICT, answers, conflict=conflict)
    except Refused as refused:
        return Outcome(Result.REFUSED, answers, refused=refused)
    return Outcome(Result.SUBMITTED if submitting else Result.SAVED, answers, saved)
