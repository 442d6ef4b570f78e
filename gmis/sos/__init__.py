"""緊急配布要請 (SOS): emergency supply requests, everything the capability knows.

``models`` (the request, its items and events), ``rules`` and ``sos.yaml`` (the items and the
conditions, as data), ``system_check`` (the system check against survey answers),
``business_days`` (the 13:00 cut-off and the handling day), ``operations`` (the use cases,
without Flask) and ``exports`` (CSV rows, the PDF's file name). How it is served lives in
``gmis.blueprints.sos``; its templates in ``gmis/templates/sos/``.
"""
