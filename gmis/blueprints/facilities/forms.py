"""The facility master edit form (医療機関マスタの編集)."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from gmis.facilities import rules
from gmis.models import DESIGNATIONS, Facility, SecondaryArea
from gmis.text import format_phone, format_postal


class Rule:
    """Run one of the shared ``rules.clean_*`` functions: the field's data becomes the value
    to store, or the field gets the rule's Japanese message (and keeps what was typed)."""

    def __init__(self, clean: Callable):
        self.clean = clean

    def __call__(self, form, field):
        try:
            field.data = self.clean(field.data)
        except rules.RuleError as error:
            raise ValidationError(str(error)) from None


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


#: Form field name -> model attribute, for the fields stored as they are cleaned.
MASTER_FIELDS = (
    "name", "name_kana", "postal_code", "address", "phone", "email", "beds",
    "latitude", "longitude", "insurance_code",
)


class FacilityForm(FlaskForm):
    name = StringField("名称", [Rule(rules.clean_name)])
    name_kana = StringField("名称カナ", [Rule(rules.clean_kana)])
    postal_code = StringField("郵便番号", [Rule(rules.clean_postal_code)])
    address = StringField("住所", [Rule(rules.clean_address)])
    phone = StringField("電話番号", [Rule(rules.clean_phone)])
    email = StringField("メールアドレス", [Rule(rules.clean_email)])
    beds = StringField("病床数", [Rule(rules.clean_beds)])
    secondary_area = SelectField(
        "二次医療圏", validate_choice=True,
        invalid_choice_message="二次医療圏は一覧から選んでください。",
    )
    designations = CheckboxListField(
        "指定", validate_choice=True,
        invalid_choice_message="指定は一覧から選んでください。",
    )
    latitude = StringField("緯度", [Rule(rules.clean_latitude)])
    longitude = StringField("経度", [Rule(rules.clean_longitude)])
    insurance_code = StringField("保険医療機関コード", [Rule(rules.clean_insurance_code)])
    #: The facility's ``updated_at`` when the form was shown (optimistic concurrency).
    updated_at = HiddenField()

    def __init__(self, facility: Facility, areas: list[SecondaryArea], **kwargs):
        super().__init__(data=initial_data(facility), **kwargs)
        self.secondary_area.choices = {"": "(未設定)", **{str(a.id): a.name for a in areas}}
        self.designations.choices = dict(DESIGNATIONS)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.latitude.errors or self.longitude.errors):
            try:
                rules.check_coordinates(self.latitude.data, self.longitude.data)
            except rules.RuleError as error:
                self.latitude.errors = [*self.latitude.errors, str(error)]
                valid = False
        return valid

    def values(self) -> dict:
        """The cleaned values keyed by model attribute (after a successful ``validate``)."""
        values = {name: getattr(self, name).data for name in MASTER_FIELDS}
        values["secondary_area_id"] = int(self.secondary_area.data or 0) or None
        values["designations"] = sorted(set(self.designations.data or []))
        return values


def initial_data(facility: Facility) -> dict:
    """What the form shows before anything is typed: stored values in their usual format."""
    return {
        "name": facility.name,
        "name_kana": facility.name_kana,
        "postal_code": format_postal(facility.postal_code),
        "address": facility.address,
        "phone": format_phone(facility.phone),
        "email": facility.email,
        "beds": facility.beds,
        "secondary_area": str(facility.secondary_area_id or ""),
        "designations": sorted(facility.designation_keys),
        "latitude": facility.latitude,
        "longitude": facility.longitude,
        "insurance_code": facility.insurance_code or "",
        "updated_at": stamp(facility),
    }


def stamp(facility: Facility) -> str:
    return facility.updated_at.isoformat()
