"""What the request pages and the review pages both need: the request in the user's scope,
the failed conditions of its last check with the survey page to fix each, and its detail
page."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from gmis import access
from gmis.access import Permission, can
from gmis.blueprints.sos.forms import AcceptForm, ReturnForm
from gmis.models import Role, SosRequest
from gmis.sos import operations
from gmis.sos.rules import rules
from gmis.sos.system_check import Failure


def current():
    return current_user._get_current_object()


def request_in_scope(user, request_id: int) -> SosRequest:
    """The request, or 404 when it does not exist or is outside ``user``'s scope."""
    return access.scoped_or_404(operations.request_query(user, request_id), request_id)


def failure_links(sos_request: SosRequest | None) -> list[tuple[str, str | None]]:
    """The failed conditions of the last system check, each with the survey page to fix."""
    if sos_request is None:
        return []
    links = []
    for raw in sos_request.check_failures or []:
        failure = Failure(**raw)
        url = None
        if failure.survey_key:
            facility = sos_request.facility_id if current().role == Role.aggregator else None
            url = (url_for("surveys.fill", survey_key=failure.survey_key,
                           period_key=failure.period_key, facility=facility)
                   if failure.period_key else url_for("surveys.index", facility=facility))
        links.append((failure.message, url))
    return links


def detail_page(sos_request: SosRequest, return_form: ReturnForm | None = None,
                status: int = 200):
    """A request that cannot be edited (or not by this user), with the review buttons for
    reviewers; ``return_form`` brings back a refused return comment."""
    reviewer = can(current(), Permission.review_supplies)
    return render_template("sos/detail.html", sos_request=sos_request, rules=rules(),
                           failures=failure_links(sos_request), reviewer=reviewer,
                           accept_form=AcceptForm(),
                           return_form=return_form or ReturnForm()), status
