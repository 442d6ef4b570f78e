"""Forms of the registration application and of its review.

Everything a person types is normalised by the field filters before validation: full-width
digits and letters become half-width, hyphens and spaces leave codes and phone numbers.
"""

from __future__ import annotations

import re

import email_validator
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Field,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from gmis.models import FacilityType
from gmis.postal import normalise_postal_code
from gmis.registration import operations
from gmis.registration.operations import AddressFill
from gmis.text import (
    digits_only,
    facility_code_error,
    normalise,
    normalise_email,
    phone_error,
)

#: Facility types that apply through the public form; outpatient centres are set up by
#: their prefecture.
APPLYING_TYPES = (
    FacilityType.hospital,
    FacilityType.clinic,
    FacilityType.dental_clinic,
    FacilityType.pharmacy,
)

#: The 点数表 digit (3rd digit of the 医療機関コード) each type must carry.
SCORE_TABLE_DIGIT = {
    FacilityType.hospital: "1",
    FacilityType.clinic: "1",
    FacilityType.dental_clinic: "3",
    FacilityType.pharmacy: "4",
}

REASON_MAX = 1000


def _required(label: str, verb: str = "入力") -> DataRequired:
    return DataRequired(message=f"{label}を{verb}してください。")


def _max(label: str, length: int) -> Length:
    return Length(max=length, message=f"{label}は{length}文字以内で入力してください。")


#: What reads as a link or an address in the receipt e-mail: the form's free text goes to the
#: address typed in it, so it must not carry a link to somebody else's site.
_LINK = re.compile(r"https?:|://|www\.|@|\.(?:com|net|org|jp|io)\b", re.IGNORECASE)


def no_links(form, field) -> None:
    if field.data and _LINK.search(field.data):
        raise ValidationError(f"{field.label.text}にURLやメールアドレスは入力できません。")


def _add_error(field: Field, message: str) -> None:
    # Before validate() WTForms keeps errors in a tuple.
    field.errors = [*field.errors, message]


def _strip(value: str | None) -> str:
    return (value or "").strip()


class RegistrationForm(FlaskForm):
    """新規ユーザ登録申請."""

    facility_type = SelectField(
        "種別",
        [_required("種別", "選択")],
        choices=[SelectChoice("", "選択してください")]
        + [SelectChoice(t.value, t.label) for t in APPLYING_TYPES],
        # Checked in validate_facility_type, with a Japanese message.
        validate_choice=False,
    )
    facility_code = StringField(
        "医療機関コード", [_required("医療機関コード"), _max("医療機関コード", 20)],
        filters=[digits_only],
    )
    insurance_code = StringField("保険医療機関コード",
                                 [Optional(), _max("保険医療機関コード", 20)],
                                 filters=[digits_only])
    facility_name = StringField(
        "医療機関名称", [_required("医療機関名称"), _max("医療機関名称", 120), no_links],
        filters=[normalise],
    )
    postal_code = StringField(
        "郵便番号", [_required("郵便番号"), _max("郵便番号", 20)],
        filters=[normalise_postal_code],
    )
    lookup = SubmitField("住所を検索")
    address = StringField(
        "所在地", [_required("所在地"), _max("所在地", 200), no_links], filters=[normalise]
    )
    phone = StringField("電話番号", [_required("電話番号"), _max("電話番号", 20)],
                        filters=[digits_only])
    contact_name = StringField(
        "ご担当者氏名", [_required("ご担当者氏名"), _max("ご担当者氏名", 80), no_links],
        filters=[normalise],
    )
    email = EmailField(
        "メールアドレス", [_required("メールアドレス"), _max("メールアドレス", 254)],
        filters=[normalise_email],
    )
    email_confirm = EmailField(
        "メールアドレス(確認)",
        [_required("確認用のメールアドレス"), _max("メールアドレス", 254),
         EqualTo("email", message="確認用のメールアドレスが一致しません。")],
        filters=[normalise_email],
    )

    @property
    def chosen_type(self) -> FacilityType | None:
        value = self.facility_type.data
        return FacilityType(value) if value in {t.value for t in APPLYING_TYPES} else None

    def validate_facility_type(self, field) -> None:
        if self.chosen_type is None:
            raise ValidationError("種別を一覧から選択してください。")

    def validate_facility_code(self, field) -> None:
        error = facility_code_error(field.data)
        if error:
            raise ValidationError(error)
        chosen = self.chosen_type
        if chosen is not None and field.data[2] != SCORE_TABLE_DIGIT[chosen]:
            raise ValidationError(
                f"医療機関コードの3桁目(点数表番号)が種別「{chosen.label}」と合いません。"
                "病院・診療所は1、歯科診療所は3、薬局は4です。種別とコードをご確認ください。"
            )

    def validate_insurance_code(self, field) -> None:
        if not re.fullmatch(r"\d{7,10}", field.data):
            raise ValidationError("保険医療機関コードは7〜10桁の数字で入力してください。")

    def validate_postal_code(self, field) -> None:
        if not re.fullmatch(r"\d{7}", field.data):
            raise ValidationError("郵便番号は7桁の数字で入力してください(例: 160-0023)。")

    def validate_phone(self, field) -> None:
        error = phone_error(field.data)
        if error:
            raise ValidationError(error)

    def validate_email(self, field) -> None:
        try:
            # No DNS look-up: a slow or offline resolver must not block the form.
            email_validator.validate_email(field.data, check_deliverability=False)
        except email_validator.EmailNotValidError as error:
            raise ValidationError(
                "メールアドレスの形式が正しくありません(例: taro@example.jp)。"
            ) from error

    def fill_address(self, error_field: Field) -> AddressFill:
        """Fill the address from the postal code; on failure put the message on
        ``error_field`` and leave the typed address alone."""
        fill = operations.fill_address(self.postal_code.data, self.address.data)
        if fill.found is None:
            _add_error(error_field, operations.POSTAL_NOT_FOUND)
        else:
            self.address.data = fill.address
        return fill

    def check_location(self) -> bool:
        """The cross-field checks (``operations.check_location``) after ``validate()``,
        their message on the field it concerns."""
        check = operations.check_location(self.facility_code.data, self.postal_code.data,
                                          self.address.data)
        self.address.data = check.address
        if check.problem:
            _add_error(self[check.field], check.problem)
        return not check.problem

    def application_details(self) -> dict[str, object]:
        """What ``operations.submit`` stores, as typed (and normalised)."""
        return {
            "facility_type": self.chosen_type,
            "facility_code": self.facility_code.data,
            "insurance_code": self.insurance_code.data or "",
            "facility_name": self.facility_name.data,
            "postal_code": self.postal_code.data,
            "address": self.address.data,
            "phone": self.phone.data,
            "contact_name": self.contact_name.data,
            "email": self.email.data,
        }


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "却下の理由",
        [_required("却下の理由"),
         Length(max=REASON_MAX, message=f"却下の理由は{REASON_MAX}文字以内で入力してください。")],
        filters=[_strip],
    )
