"""The survey engine inside the app: the field-type registry (built once at start-up, so a
clash of names stops the app from starting) and compiled versions, cached by version."""

from __future__ import annotations

from collections import OrderedDict

from flask import Flask, current_app
from jinja2 import ChoiceLoader, FileSystemLoader

from gmis import clock
from gmis.surveys.engine.builder import CompiledSurvey, compile_survey
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.fields import dates
from gmis.surveys.engine.registry import FieldTypeRegistry, build_registry


def init_app(app: Flask) -> None:
    # The date types' "today" by the instance's clock: gmis.clock.utcnow reads the current
    # app's (real time outside an app), which the Flask-free field types cannot ask for.
    dates.use_clock(clock.utcnow)
    registry = build_registry()
    app.extensions["gmis.field_types"] = registry
    # Every field type, built-in or plugin, names the folder of its fields/<name>/*.html
    # templates. They are searched after the application's own templates, so a plugin cannot
    # replace a built-in type's.
    folders = registry.template_folders()
    app.jinja_loader = ChoiceLoader([app.jinja_loader,
                                     *(FileSystemLoader(str(f)) for f in folders)])


def field_types() -> FieldTypeRegistry:
    return current_app.extensions["gmis.field_types"]


#: Compiled versions by (registry, version id, checksum). Stored versions never change, so
#: each process may keep its own copy; nothing here needs sharing between servers.
_compiled: OrderedDict[tuple, CompiledSurvey] = OrderedDict()
CACHE_SIZE = 256


def compiled(version) -> CompiledSurvey:
    """The compiled form of a stored ``SurveyVersion``."""
    registry = field_types()
    key = (id(registry), version.id, version.checksum)
    survey = _compiled.get(key)
    if survey is None:
        source = f"{version.survey.key} 版{version.number}"
        survey = compile_survey(load_definition(version.definition, source), registry, source)
        _compiled[key] = survey
        if len(_compiled) > CACHE_SIZE:
            _compiled.popitem(last=False)
    return survey


def usable(version) -> CompiledSurvey | None:
    """The compiled form of ``version``, or None (logged) when it no longer compiles: a
    version stored before a limit of ``gmis.surveys.engine.limits`` was set, or whose plugin field
    type was removed. Lists of surveys leave it out instead of failing for every survey;
    its own pages say what is wrong (``DefinitionError`` becomes a page in ``gmis.web``)."""
    try:
        return compiled(version)
    except DefinitionError as error:
        current_app.logger.warning("survey version %s does not compile: %s", version.id, error)
        return None
