from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length

#: Generous: a recovery code is 14 characters, and what was typed is shown back as it was.
CODE_MAX = 64
TOO_LONG = f"{CODE_MAX}文字以内で入力してください。"


class CodeForm(FlaskForm):
    """A 6-digit code from the authenticator app (or, at sign-in, a recovery code). Checked
    in the view, so that an empty or malformed code gets its own message."""

    code = StringField("確認コード(6桁)", [Length(max=CODE_MAX, message=TOO_LONG)])


class SecondStepForm(CodeForm):
    recovery_code = StringField("リカバリーコード", [Length(max=CODE_MAX, message=TOO_LONG)])


class EnrolmentForm(CodeForm):
    """The code that confirms the app, and the current password: a borrowed, signed-in
    browser alone must not put somebody else's phone on the account."""

    password = PasswordField("現在のパスワード",
                             [Length(max=256, message="256文字以内で入力してください。")])


class DisableForm(FlaskForm):
    password = PasswordField("現在のパスワード",
                             [Length(max=256, message="256文字以内で入力してください。")])
    code = StringField("確認コードまたはリカバリーコード", [Length(max=CODE_MAX, message=TOO_LONG)])
