"""Every model, imported here so that Alembic and the app see the whole schema.

Each capability keeps its models in its own package (``gmis/accounts/models.py``,
``gmis/facilities/models.py``, ``gmis/registration/models.py``, ``gmis/sos/models.py``,
``gmis/surveys/store/models.py``); the audit trail and the mail outbox, which every
capability writes, are in ``support``. The organisation models import only ``gmis.db``, so
the other models import them directly; SOS's name the shared ones by string, so either may
be imported first."""

from gmis.accounts.models import (
    AccountToken,
    PasswordResetRequest,
    RecoveryCode,
    Role,
    TokenPurpose,
    User,
    UserSession,
)
from gmis.facilities.models import (
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
from gmis.models.support import AuditEvent, OutboxMessage, OutboxStatus
from gmis.publication.models import (
    PublicListing,
    PublicListingHours,
    PublicListingTerm,
    PublicVocabulary,
)
from gmis.registration.models import ApplicationStatus, RegistrationApplication
from gmis.sos.models import SOS_STATUS_LABELS, SosEvent, SosRequest, SosRequestItem, SosStatus
from gmis.surveys.store.models import (
    ANSWERED_STATUSES,
    DraftOrigin,
    LatestResponse,
    ReminderBroadcast,
    ReportWindow,
    ResponseChange,
    ResponseEvent,
    ResponseStatus,
    Survey,
    SurveyDraft,
    SurveyDraftStep,
    SurveyReminder,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
)

__all__ = [
    "ANSWERED_STATUSES",
    "DraftOrigin",
    "LatestResponse",
    "PublicListing",
    "PublicListingHours",
    "PublicListingTerm",
    "PublicVocabulary",
    "ReportWindow",
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
    "PasswordResetRequest",
    "Prefecture",
    "RecoveryCode",
    "RegistrationApplication",
    "ResponseChange",
    "ResponseEvent",
    "ResponseStatus",
    "Role",
    "SecondaryArea",
    "Survey",
    "ReminderBroadcast",
    "SurveyDraft",
    "SurveyDraftStep",
    "SurveyReminder",
    "SurveyResponse",
    "SurveyVersion",
    "TokenPurpose",
    "User",
    "UserSession",
    "VersionStatus",
    "aggregator_members",
]
