"""The forms that start a draft. The editor's own forms are described by the definition's
schemas (``gmis.surveys.engine.settings``), not here."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from gmis.surveys.engine.definition import KEY_MESSAGE, KEY_PATTERN, PERIOD_KIND_LABELS


class BlankForm(FlaskForm):
    """新しい調査: its key, title and period; everything else is set in the editor."""

    key = StringField("調査キー", validators=[InputRequired("調査キーを入力してください。"),
                                             Regexp(KEY_PATTERN, message=KEY_MESSAGE)])
    title = StringField("調査名", validators=[
        InputRequired("調査名を入力してください。"),
        Length(max=200, message="200文字以内で入力してください。")])
    period = SelectField("周期", choices=[SelectChoice(value, label)
                                        for value, label in PERIOD_KIND_LABELS.items()],
                         default="daily")


class FromVersionForm(FlaskForm):
    """A draft from an existing version: a copy as another survey, the next version of the
    same survey, or a prefecture's extension of a national one."""

    # The choices are the versions of the user's scope; the one sent is looked up in that
    # scope again, so a forged id is a 404 rather than a choice error.
    version = SelectField("もとにする版", coerce=int, validate_choice=False)
    how = RadioField("作り方", default="new_version", choices=[
        SelectChoice("new_version", "この調査の新しい版を作る"),
        SelectChoice("extension", "全国版を都道府県の版として拡張する"),
        SelectChoice("copy", "コピーして別の調査を作る")])
    key = StringField("新しい調査キー(コピーのとき)",
                      validators=[Regexp(f"^$|{KEY_PATTERN.pattern}", message=KEY_MESSAGE)])
    title = StringField("新しい調査名(コピーのとき)",
                        validators=[Length(max=200, message="200文字以内で入力してください。")])


class UploadForm(FlaskForm):
    file = FileField("定義ファイル(YAML・JSON)")
