"""Blueprints, one package per feature."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from gmis.blueprints.auth.views import bp as auth
    from gmis.blueprints.beds import bp as beds
    from gmis.blueprints.core.views import bp as core
    from gmis.blueprints.facilities import bp as facilities
    from gmis.blueprints.home import bp as home
    from gmis.blueprints.public import bp as public
    from gmis.blueprints.registration.views import bp as registration
    from gmis.blueprints.report_review import bp as report_review
    from gmis.blueprints.reporting import bp as reporting
    from gmis.blueprints.reports import bp as reports
    from gmis.blueprints.sos import bp as sos
    from gmis.blueprints.survey_admin.views import bp as survey_admin
    from gmis.blueprints.survey_builder import bp as survey_builder
    from gmis.blueprints.surveys.views import bp as surveys
    from gmis.blueprints.two_factor.views import bp as two_factor
    from gmis.blueprints.users.views import bp as users

    for blueprint in (core, auth, two_factor, home, facilities, registration, users, survey_admin,
                      survey_builder, surveys, report_review, reporting, reports, sos, beds,
                      public):
        app.register_blueprint(blueprint)
