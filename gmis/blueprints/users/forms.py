from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from gmis.text import normalise, normalise_email


class IssueAccountForm(FlaskForm):
    """アカウント発行. ``organisation`` means a 医療機関コード for facility accounts and the id
    of the chosen organisation for the others (the choices depend on the role)."""

    role = SelectField("利用者の種別",
                       validators=[DataRequired("利用者の種別を選択してください。")])
    organisation = StringField(
        "所属", [Length(max=120, message="所属は120文字以内で入力してください。")],
        filters=[normalise])
    name = StringField("氏名(担当者名)", [DataRequired("氏名を入力してください。"),
                                         Length(max=80, message="80文字以内で入力してください。")],
                       filters=[normalise])
    email = EmailField("メールアドレス", [
        DataRequired("メールアドレスを入力してください。"),
        Email("メールアドレスの形式が正しくありません。", check_deliverability=False),
        Length(max=254),
    ], filters=[normalise_email])
    login_id = StringField(
        "ユーザID(任意)",
        [Optional(), Length(min=4, max=64, message="4〜64文字で入力してください。"),
         Regexp(r"^[A-Za-z0-9._-]+$",
                message="半角英数字と . _ - のみ使用できます。")],
        filters=[normalise],
    )
