"""医療機関マスタ: facilities and the organisations around them, everything the capability knows.

``models`` (prefectures, secondary medical areas, health-centre cities, facilities,
aggregators, fire departments), ``rules`` (how each master field is normalised and checked,
shared by the edit form and the CSV import), ``operations`` (search, read and edit within a
user's scope, without Flask), ``imports`` (the CSV import) and ``cli`` (the ``facilities``
command that runs it). How it is served lives in the facilities blueprint (the package of
that name among the blueprints); its templates in ``gmis/templates/facilities/``.
"""
