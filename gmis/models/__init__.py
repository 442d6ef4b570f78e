"""Every model, imported here so that Alembic and the app see the whole schema."""

from gmis.models.accounts import AccountToken, Role, TokenPurpose, User, UserSession
from gmis.models.organisations import (
    DESIGNATIONS,
    Aggregator,
    City,
    CityKind,
    Facility,
    FacilityDesignation,
    FacilityType,
    FireDepartment,
    Prefecture,
    SecondaryArea,
    aggregator_members,
)
from gmis.models.registrations import ApplicationStatus, RegistrationApplication
from gmis.models.sos import SOS_STATUS_LABELS, SosEvent, SosRequest, SosRequestItem, SosStatus
from gmis.models.support import AuditEvent, OutboxMessage, OutboxStatus
from gmis.models.surveys import (
    LatestResponse,
    ResponseChange,
    ResponseEvent,
    ResponseStatus,
    Survey,
    SurveyReminder,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
)

__all__ = [
    "LatestResponse",
    "SOS_STATUS_LABELS",
    "SosEvent",
    "SosRequest",
    "SosRequestItem",
    "SosStatus",
    "DESIGNATIONS",
    "AccountToken",
    "Aggregator",
    "ApplicationStatus",
    "AuditEvent",
    "City",
    "CityKind",
    "Facility",
    "FacilityDesignation",
    "FacilityType",
    "FireDepartment",
    "OutboxMessage",
    "OutboxStatus",
    "Prefecture",
    "RegistrationApplication",
    "ResponseChange",
    "ResponseEvent",
    "ResponseStatus",
    "Role",
    "SecondaryArea",
    "Survey",
    "SurveyReminder",
    "SurveyResponse",
    "SurveyVersion",
    "TokenPurpose",
    "User",
    "UserSession",
    "VersionStatus",
    "aggregator_members",
]
