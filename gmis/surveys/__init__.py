"""Surveys, in three rings.

``engine`` is the pure core, a library without Flask or the database: the definition format
and its schema, field types as plugins, CEL expressions and their limits, compiling a
definition, validating answers, periods, comparing versions, contracts. ``store`` keeps what
the engine works on in the database: versions, responses with their history, the latest
answers, who answers, and ``submission``, the one call behind the fill form. The use cases
of the pages, without Flask: ``answering`` (whom a user answers for, what to answer,
reading and reviewing a response) and ``publishing`` (uploading, previewing and publishing
versions). Bound to the running app: the field-type registry and compiled versions of
``runtime``, the ``surveys`` CLI and the reminders.
"""
