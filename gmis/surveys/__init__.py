"""The survey engine: survey definitions are data, compiled into forms that validate answers.

Independent of Flask views: ``definition`` (the format and its schema), ``registry`` and
``fields`` (field types as plugins), ``expressions`` (CEL), ``builder`` (a definition compiled
for use), ``validation`` (answers checked against it) and ``diff`` (two versions compared).
"""
