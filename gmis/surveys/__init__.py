"""Surveys, in three rings.

``engine`` is the pure core, a library without Flask or the database: the definition format
and its schema, field types as plugins, CEL expressions and their limits, compiling a
definition, validating answers, periods, comparing versions, contracts. ``store`` keeps what
the engine works on in the database: versions, responses with their history, the latest
answers, who answers. The modules here are bound to the running app: the field-type
registry and compiled versions of ``runtime``, the ``surveys`` CLI and the reminders.
"""
