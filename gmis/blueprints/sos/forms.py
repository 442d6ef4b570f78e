"""Forms of the emergency supply request pages. The request form gets one quantity field
per item of the rules file, so a new item needs no code."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from gmis.sos.rules import Item, Rules
from gmis.text import normalise

REMARK_MAX = 2000
COMMENT_MAX = 2000
GENERAL_CONFIRMATION = "上記の緊急配布条件を満たしていることを確認した"


def _quantity_filter(value: str | None) -> str:
    """Full-width digits and thousands separators, as people type them on phones."""
    return re.sub(r"[,\s]", "", normalise(value or ""))


class _Quantity:
    """A positive whole number up to the rules' limit, or empty (item not requested)."""

    def __init__(self, item: Item, limit: int):
        self.item, self.limit = item, limit

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if not field.data.isascii() or not field.data.isdigit() or int(field.data) == 0:
            raise ValidationError(f"{self.item.label}の数量は1以上の整数で入力してください"
                                  f"(単位: {self.item.unit})。")
        if int(field.data) > self.limit:
            raise ValidationError(f"{self.item.label}の数量は{self.limit:,}{self.item.unit}"
                                  "以下で入力してください。")


class SosRequestFormBase(FlaskForm):
    general_confirmed = BooleanField(GENERAL_CONFIRMATION)
    n95_confirmed = BooleanField(GENERAL_CONFIRMATION)
    remark = TextAreaField("備考", [Length(
        max=REMARK_MAX, message=f"備考は{REMARK_MAX}文字以内で入力してください。")])

    rules: Rules

    def quantity_field(self, item: Item):
        return self[f"quantity_{item.key}"]

    def quantities(self) -> dict[str, int]:
        """The requested items (valid data only) by key, in the rules' order."""
        return {item.key: int(self.quantity_field(item).data) for item in self.rules.items
                if self.quantity_field(item).data and not self.quantity_field(item).errors}

    def validate_for(self, applying: bool) -> bool:
        """Saving needs the general confirmation (as in the source: it cannot be saved
        without); applying also needs an item, and the N95 confirmation for N95 masks."""
        ok = self.validate()
        if not self.general_confirmed.data:
            self.general_confirmed.errors = [
                f"「{GENERAL_CONFIRMATION}」にチェックをしてください。"]
            ok = False
        if not applying:
            return ok
        requested = self.quantities()
        if not requested and not any(self.quantity_field(i).errors for i in self.rules.items):
            self.form_errors.append("要請する物資を1つ以上選び、数量を入力してください。")
            ok = False
        if any(self.rules.item(key).needs_n95_confirmation for key in requested) and \
                not self.n95_confirmed.data:
            self.n95_confirmed.errors = [
                "N95マスクを要請する場合は、N95マスクの緊急配布条件を確認してチェックをしてください。"]
            ok = False
        return ok


def request_form_class(rules: Rules) -> type[SosRequestFormBase]:
    """The request form for the items of ``rules``."""
    attributes = {"rules": rules}
    for item in rules.items:
        attributes[f"quantity_{item.key}"] = StringField(
            f"{item.label}({item.unit})", filters=[_quantity_filter],
            validators=[_Quantity(item, rules.max_quantity)])
    return type("SosRequestForm", (SosRequestFormBase,), attributes)


def prefilled(form_class: type[SosRequestFormBase], sos_request) -> SosRequestFormBase:
    """The form showing a stored request."""
    form = form_class(general_confirmed=sos_request.general_confirmed,
                      n95_confirmed=sos_request.n95_confirmed, remark=sos_request.remark)
    for item in form.rules.items:
        quantity = sos_request.quantity(item.key)
        form.quantity_field(item).data = str(quantity) if quantity else ""
    return form


class ReturnForm(FlaskForm):
    """差戻し: the facility reads the comment, corrects and applies again."""

    comment = TextAreaField("差戻しの理由", [
        DataRequired("差戻しの理由を入力してください。"),
        Length(max=COMMENT_MAX, message=f"差戻しの理由は{COMMENT_MAX}文字以内で入力してください。"),
    ])


class AcceptForm(FlaskForm):
    """受付完了: nothing but the CSRF token."""
