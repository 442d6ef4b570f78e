from datetime import date, datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from gmis.surveys.publishing import today_in_japan
from gmis.text import normalise


class UploadForm(FlaskForm):
    """調査定義のアップロード: a file, or the definition pasted as text (one of the two)."""

    file = FileField("定義ファイル(YAML・JSON)")
    text = TextAreaField("または定義を貼り付け")


class JapaneseDateField(DateField):
    """A date typed as 2026-04-01 or 2026/04/01, full-width digits accepted (the input is
    ``type=date`` where the browser has it, plain text where it has not)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = normalise(valuelist[0]).replace(" ", "")
        for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("日付は 2026-04-01 のように入力してください。")


def from_today(form, field):
    # Periods already under way keep the version they began with.
    if field.data is not None and field.data < today_in_japan():
        raise ValidationError("過去の日付は指定できません。今日以降の日付を入力してください。")


class PublishForm(FlaskForm):
    """公開: the first reporting date the version is used for. Sent first without
    ``confirmed``, which only shows what publishing would do; the confirmation page sends it
    again with ``confirmed``."""

    effective_from = JapaneseDateField(
        "適用開始日", validators=[InputRequired("適用開始日を入力してください。"), from_today])
    confirmed = HiddenField()

    @classmethod
    def starting(cls, day: date) -> "PublishForm":
        return cls(formdata=None, data={"effective_from": day})


class WithdrawForm(FlaskForm):
    """前の版に戻す: from which reporting date. ``restores`` is the id of the version the
    confirmation page said would come back; without it, or when it no longer matches,
    nothing is done and the confirmation is shown (again)."""

    withdrawn_from = JapaneseDateField(
        "前の版に戻す日", validators=[InputRequired("前の版に戻す日を入力してください。"),
                                from_today])
    restores = HiddenField()

    @classmethod
    def starting(cls, day: date) -> "WithdrawForm":
        return cls(formdata=None, data={"withdrawn_from": day})
