"""新規ユーザ登録申請: applications for a facility account, and their review.

``gmis.models`` is imported first: the application's model stores the facility type, which
it takes from the organisation models, and importing those loads ``gmis.models``, which in
turn imports this package's models for Alembic. Loaded in this order, each finds the other
complete, whichever of them a caller imports first."""

import gmis.models  # noqa: F401
