"""Forms of the survey pages. The fill form itself is built from the survey's definition
(``gmis.surveys.engine.validation.read_form``); these are the fixed ones around it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from gmis.surveys.store.responses import RETURN_COMMENT_MAX
from gmis.surveys.store.submission import Action


class ReturnForm(FlaskForm):
    """差戻し: the respondent reads the comment and answers again."""

    comment = TextAreaField("差戻しの理由", [
        DataRequired("差戻しの理由を入力してください。"),
        Length(max=RETURN_COMMENT_MAX,
               message=f"差戻しの理由は{RETURN_COMMENT_MAX}文字以内で入力してください。"),
    ])


class AcceptForm(FlaskForm):
    """受理: nothing but the CSRF token."""


@dataclass(frozen=True)
class FillAction:
    """What a button of the fill form asks: save the draft, submit, save and go to
    another section (``section``), or discard a correction not submitted yet."""

    action: Action
    #: The section 次へ/前へ goes to after saving.
    section: str | None = None

    @classmethod
    def of(cls, form) -> FillAction:
        if form.get("action") == "submit":
            return cls(Action.SUBMIT)
        if form.get("action") == "discard":
            return cls(Action.DISCARD)
        if form.get("goto"):
            return cls(Action.SAVE, form["goto"])
        # Enter in a field, or a button the browser did not name: the harmless choice.
        return cls(Action.SAVE)
