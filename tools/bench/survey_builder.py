"""The survey builder on a 500-field draft (the generated survey of ``survey_form``): one
change (add, edit, move a field) as a whole server round trip, stored and the editor drawn
again, and the full preview of the form.

Through the Flask test client on a scratch SQLite database, CSRF checks off (a token per
request would be measured too otherwise). Floor: rendering 500 bare ``<input>`` elements with
the same Jinja environment, as for the survey form.
"""

from __future__ import annotations

import sqlalchemy as sa

from gmis.accounts.passwords import hash_password
from gmis.db import session
from gmis.models import Role, SurveyDraft, User
from gmis.surveys.store import drafts
from tools.bench.scratch import scratch_app
from tools.bench.survey_form import definition
from tools.bench.timing import median_seconds, report

PASSWORD = "bench-builder-2026"
EDITED = "item_250"


def run() -> None:
    with scratch_app(WTF_CSRF_ENABLED=False) as app:
        with app.app_context():
            user = User(login_id="bench-builder", name="作成 太郎", email="b@example.jp",
                        role=Role.national, password_hash=hash_password(PASSWORD))
            session.add(user)
            session.flush()
            document, _ = definition(set(app.extensions["gmis.field_types"].names()))
            draft = drafts.start_blank(user, "bench_builder", "計測", "daily")
            draft.document = document
            draft_id = draft.id
            session.commit()
        client = app.test_client()
        client.post("/login", data={"login_id": "bench-builder", "password": PASSWORD})
        base = f"/admin/surveys/builder/{draft_id}"
        revision = [session_revision(app, draft_id)]

        def change(path: str, data: dict) -> None:
            response = client.post(base + path, headers={"HX-Request": "true"},
                                   data={"revision": revision[0], **data})
            if response.status_code != 200:
                raise RuntimeError(f"POST {path}: {response.status_code}")
            revision[0] = response.headers["X-Draft-Revision"]

        direction = ["down"]

        def move() -> None:
            direction[0] = "up" if direction[0] == "down" else "down"
            change(f"/fields/{EDITED}/move", {"direction": direction[0],
                                              "item": f"field:{EDITED}"})

        def edit() -> None:
            change(f"/fields/{EDITED}", {"item": f"field:{EDITED}", "field.key": EDITED,
                                         "field.label": f"項目250(r{revision[0]})",
                                         "field.help": "説明文", "field.required": "1",
                                         "field.min": "0", "field.max": "100000",
                                         "field.unit": "人"})

        def add() -> None:
            change("/fields", {"type": "integer", "section": "section_250", "after": EDITED,
                               "item": f"field:{EDITED}"})

        def preview() -> None:
            response = client.get(base + "/preview")
            if response.status_code != 200:
                raise RuntimeError(f"GET preview: {response.status_code}")

        with app.test_request_context():
            bare = app.jinja_env.from_string(
                "{% for key in keys %}<label for='{{ key }}'>{{ key }}</label>"
                "<input id='{{ key }}' name='{{ key }}' value=''>{% endfor %}")
            keys = [f"item_{n:03d}" for n in range(500)]
            floor = median_seconds(lambda: bare.render(keys=keys))
        print("Survey builder on a 500-field draft (server round trip through the test client)")
        report("change: move a field", median_seconds(move), floor, target_ms=100)
        report("change: edit a field's settings", median_seconds(edit), floor, target_ms=100)
        report("change: add a field", median_seconds(add), floor, target_ms=100)
        report("preview of the whole form", median_seconds(preview), floor, target_ms=150)


def session_revision(app, draft_id: int) -> int:
    with app.app_context():
        return session.scalar(sa.select(SurveyDraft.revision).where(SurveyDraft.id == draft_id))
