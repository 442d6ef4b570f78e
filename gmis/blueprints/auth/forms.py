from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from gmis.accounts.passwords import MAX_LENGTH
from gmis.text import normalise

REQUIRED = "{}を入力してください。"


def _required(label: str) -> DataRequired:
    return DataRequired(message=REQUIRED.format(label))


class LoginForm(FlaskForm):
    login_id = StringField("ユーザID", [_required("ユーザID"), Length(max=64)],
                           filters=[normalise])
    password = PasswordField("パスワード", [_required("パスワード"), Length(max=MAX_LENGTH * 2)])


class PasswordResetRequestForm(FlaskForm):
    login_id = StringField("ユーザID", [_required("ユーザID"), Length(max=64)],
                           filters=[normalise])


class NewPasswordForm(FlaskForm):
    password = PasswordField("新しいパスワード", [_required("新しいパスワード")])
    password_confirm = PasswordField(
        "新しいパスワード(確認)",
        [_required("確認用のパスワード"),
         EqualTo("password", message="確認用のパスワードが一致しません。")],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("現在のパスワード", [_required("現在のパスワード")])
