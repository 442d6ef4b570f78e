from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from gmis.accounts.passwords import MAX_LENGTH
from gmis.text import normalise

REQUIRED = "{}を入力してください。"


def _required(label: str) -> DataRequired:
    return DataRequired(message=REQUIRED.format(label))


def _at_most(label: str, length: int) -> Length:
    return Length(max=length, message=f"{label}は{length}文字以内で入力してください。")


#: Longer than any password the rule accepts, so its own message ("128文字以内") is shown.
PASSWORD_INPUT_MAX = MAX_LENGTH * 2


class LoginForm(FlaskForm):
    login_id = StringField("ユーザID", [_required("ユーザID"), _at_most("ユーザID", 64)],
                           filters=[normalise])
    password = PasswordField("パスワード", [_required("パスワード"),
                                        _at_most("パスワード", PASSWORD_INPUT_MAX)])


class PasswordResetRequestForm(FlaskForm):
    login_id = StringField("ユーザID", [_required("ユーザID"), _at_most("ユーザID", 64)],
                           filters=[normalise])


class NewPasswordForm(FlaskForm):
    password = PasswordField("新しいパスワード", [_required("新しいパスワード"),
                                            _at_most("パスワード", PASSWORD_INPUT_MAX)])
    password_confirm = PasswordField(
        "新しいパスワード(確認)",
        [_required("確認用のパスワード"), _at_most("パスワード", PASSWORD_INPUT_MAX),
         EqualTo("password", message="確認用のパスワードが一致しません。")],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("現在のパスワード", [
        _required("現在のパスワード"), _at_most("パスワード", PASSWORD_INPUT_MAX)])
