"""Forms of the review page: 受理 (nothing but the CSRF token) and 差戻し with its comment."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from gmis.surveys.store.responses import RETURN_COMMENT_MAX


class AcceptReportForm(FlaskForm):
    """受理: the report becomes the published information."""


class ReturnReportForm(FlaskForm):
    """差戻し: the facility reads the comment in an e-mail, corrects and resubmits."""

    comment = TextAreaField("差戻しの理由", [
        DataRequired("差戻しの理由を入力してください。"),
        Length(max=RETURN_COMMENT_MAX,
               message=f"差戻しの理由は{RETURN_COMMENT_MAX}文字以内で入力してください。"),
    ])
