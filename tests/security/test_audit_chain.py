"""Audit that can be trusted: the rows form a hash chain that ``flask audit verify`` checks,
and what is refused (failed sign-ins, refused pages, records out of one's scope) is recorded
in a transaction of its own, kept when the request's own is rolled back."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from gmis import audit, audit_chain, create_app, migrate
from gmis.db import session
from gmis.models import AuditEvent, Facility, Role, User
from tests.conftest import TEST_CONFIG, make_migrated_app
from tests.fixtures.databases import scratch_database
from tests.fixtures.web import csrf_token, post_form, sign_in

audit_table = AuditEvent.__table__


def newest(count: int) -> list[AuditEvent]:
    rows = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(count))
    return list(reversed(rows.all()))


def events(action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def record_three(user: User | None = None) -> list[AuditEvent]:
    """Three events, the first two in one flush, the third in a later one."""
    audit.record("test.first", user=user, note="一つ目", nested={"b": 2, "a": [1, "二"]})
    audit.record("test.second", user=user)
    session.commit()
    audit.record("test.third", user=user, count=3)
    session.commit()
    return newest(3)


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrf-token" content="[^"]*"', "", response.get_data(as_text=True))


def verify(runner, *args: str):
    return runner.invoke(args=["audit", "verify", *args])


# --- the chain -------------------------------------------------------------------------------

def test_each_row_carries_the_hash_of_the_one_before_and_of_its_own_content(make_user):
    user = make_user(role=Role.prefecture)
    first, second, third = record_three(user)
    assert second.previous_hash == first.row_hash
    assert third.previous_hash == second.row_hash
    for row in (first, second, third):
        assert row.row_hash == audit_chain.row_hash(
            row.previous_hash, occurred_at=row.occurred_at, user_id=row.user_id,
            action=row.action, object_type=row.object_type, object_id=row.object_id,
            details=row.details, ip_address=row.ip_address)
    assert first.user_id == user.id
    assert len({first.row_hash, second.row_hash, third.row_hash}) == 3


def test_verify_walks_the_whole_chain_and_prints_its_head(runner, make_user):
    *_, head = record_three(make_user())
    result = verify(runner)
    assert result.exit_code == 0, result.output
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert f"OK, {total:,} rows" in result.output
    assert head.row_hash in result.output
    assert verify(runner, "--head", head.row_hash).exit_code == 0


def test_verify_names_a_row_whose_content_was_edited_in_the_database(runner, make_user):
    first, second, third = record_three(make_user())
    session.execute(audit_table.update().where(audit_table.c.id == second.id)
                    .values(details={"note": "書き換え"}))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"監査ログ id {second.id}" in result.output
    assert "内容が書き換えられています" in result.output


def test_verify_names_the_row_after_one_deleted_from_the_database(runner, make_user):
    first, second, third = record_three(make_user())
    session.execute(audit_table.delete().where(audit_table.c.id == second.id))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"監査ログ id {third.id}" in result.output
    assert "削除" in result.output
    assert f"最後の正常な行: id {first.id}" in result.output


def test_a_rewritten_link_is_told_apart_from_a_deletion(runner, make_user):
    """An edit that recomputes the edited row's own hash still breaks the next link."""
    first, second, third = record_three(make_user())
    forged = audit_chain.row_hash(second.previous_hash, occurred_at=second.occurred_at,
                                  user_id=None, action=second.action,
                                  object_type=second.object_type,
                                  object_id=second.object_id, details=second.details,
                                  ip_address=second.ip_address)
    session.execute(audit_table.update().where(audit_table.c.id == second.id)
                    .values(user_id=None, row_hash=forged))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"監査ログ id {third.id}" in result.output
    assert "つながりが切れています" in result.output


def test_verify_fails_when_the_noted_head_was_deleted(runner, make_user):
    *_, head = record_three(make_user())
    session.execute(audit_table.delete().where(audit_table.c.id == head.id))
    result = verify(runner, "--head", head.row_hash)
    assert result.exit_code == 1
    assert "控えたハッシュ" in result.output


def test_verify_reads_the_chain_in_batches(make_user):
    record_three(make_user())
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    walk = audit.verify(batch=2)
    assert walk.broken is None
    assert walk.rows == total


def test_a_database_refuses_two_rows_naming_the_same_predecessor(make_user):
    *_, head = record_three(make_user())
    fork = {column: getattr(head, column) for column in
            ("occurred_at", "user_id", "action", "object_type", "object_id", "details",
             "ip_address", "previous_hash", "row_hash")}
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(audit_table.insert().values(**fork))


def test_concurrent_writers_keep_one_unbroken_chain(tmp_path):
    """Threads with connections of their own, as workers and app servers are, each
    committing events one by one: every event is stored and the chain stays one line."""
    writers, per_writer = 6, 15
    with scratch_database(tmp_path, "audit_chain") as url:
        app = make_migrated_app(url)
        errors: list[BaseException] = []
        start = threading.Barrier(writers)

        def write(writer: int) -> None:
            with app.app_context():
                try:
                    start.wait()
                    for number in range(per_writer):
                        audit.record("test.concurrent", writer=writer, number=number)
                        session.commit()
                except BaseException as error:  # reported below, with the others
                    errors.append(error)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            with app.app_context():
                walk = audit.verify()
                written = session.scalars(sa.select(AuditEvent.details).where(
                    AuditEvent.action == "test.concurrent")).all()
        finally:
            app.extensions["gmis.db"].engine.dispose()
    assert errors == []
    assert walk.broken is None
    assert walk.rows == writers * per_writer
    assert sorted((d["writer"], d["number"]) for d in written) == [
        (w, n) for w in range(writers) for n in range(per_writer)]


# --- the migration ---------------------------------------------------------------------------

#: The migration that chains the rows written before it.
CHAIN_REVISION = "0013"


def revision_before_chain() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return script.get_revision(CHAIN_REVISION).down_revision


def test_rows_written_before_the_chain_are_chained_by_its_migration(tmp_path):
    with scratch_database(tmp_path, "audit_migration") as url:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
        with app.app_context():
            migrate.upgrade(revision_before_chain())
            engine = app.extensions["gmis.db"].engine
            legacy = sa.table("audit_events", *[sa.column(c) for c in (
                "user_id", "action", "object_type", "object_id", "ip_address")],
                sa.column("occurred_at", sa.DateTime(timezone=True)),
                sa.column("details", sa.JSON()))
            users = sa.table("users", *[sa.column(c) for c in (
                "login_id", "name", "email", "role", "is_active", "failed_logins")],
                sa.column("created_at", sa.DateTime(timezone=True)))
            with engine.begin() as connection:
                user_id = connection.execute(users.insert().values(
                    login_id="legacy", name="旧 太郎", email="legacy@example.jp",
                    role="national", is_active=True, failed_logins=0,
                    created_at=datetime(2026, 4, 1, tzinfo=UTC)).returning(
                        sa.column("id"))).scalar_one()
                connection.execute(legacy.insert(), [
                    dict(occurred_at=datetime(2026, 4, 1, 0, 0, 0, 123456, tzinfo=UTC),
                         user_id=user_id, action="user.sign_in", object_type="User",
                         object_id=str(user_id), ip_address="192.0.2.1",
                         details={"z": 1, "a": {"y": [1, 2.5, None, True]}}),
                    dict(occurred_at=datetime(2026, 4, 2, 9, 30, tzinfo=UTC), user_id=None,
                         action="registration.submitted", object_type="", object_id="",
                         ip_address="", details={"number": "R-1", "名前": "髙橋医院 𠮷"}),
                    dict(occurred_at=datetime(2026, 4, 3, tzinfo=UTC), user_id=None,
                         action="demo.loaded", object_type="", object_id="", ip_address="",
                         details={}),
                ])
            migrate.upgrade()
            walk = audit.verify()
            assert walk.broken is None
            assert walk.rows == 3
            audit.record("test.after_migration")  # new rows go on from the migrated head
            session.commit()
            walk = audit.verify()
            assert (walk.broken, walk.rows) == (None, 4)
            session.remove()
            engine.dispose()


# --- what is recorded, and kept --------------------------------------------------------------

def test_record_now_is_kept_when_the_request_transaction_is_rolled_back(app):
    with app.test_request_context("/"):
        audit.record("test.with_the_request")
        audit.record_now("test.on_its_own", reason="kept")
        session.flush()
    # The request ended without a commit: its own event went with it, the other stayed.
    assert events("test.with_the_request") == []
    (kept,) = events("test.on_its_own")
    assert kept.details == {"reason": "kept"}
    assert audit.verify().broken is None


def test_a_wrong_password_is_recorded_without_the_password(client, make_user):
    user = make_user(login_id="kanda-hospital")
    response = post_form(client, "/login", {"login_id": "kanda-hospital",
                                            "password": "Wrong-Guess-1"})
    assert response.status_code == 401
    (failed,) = events("user.sign_in_failed")
    assert (failed.object_type, failed.object_id) == ("User", str(user.id))
    assert failed.details == {"login_id": "kanda-hospital", "reason": "wrong_password"}
    assert "Wrong-Guess-1" not in str(failed.details)
    assert failed.ip_address == "127.0.0.1"


def test_an_unknown_id_is_recorded_as_typed(client):
    response = post_form(client, "/login", {"login_id": "no-such-user",
                                            "password": "Whatever-It-Is-9"})
    assert response.status_code == 401
    (failed,) = events("user.sign_in_failed")
    assert failed.details == {"login_id": "no-such-user", "reason": "unknown_id"}
    assert failed.user_id is None and failed.object_id == ""


def test_a_sign_in_to_a_locked_account_is_recorded_as_such(app, client, make_user):
    user = make_user(login_id="locked-clinic")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        post_form(client, "/login", {"login_id": "locked-clinic", "password": "Wrong-Guess-1"})
    reasons = [e.details["reason"] for e in events("user.sign_in_failed")]
    assert reasons[-1] == "locked"
    assert reasons[:-1] == ["wrong_password"] * app.config["LOGIN_MAX_FAILURES"]
    assert [e.object_id for e in events("user.locked")] == [str(user.id)]


def test_a_refused_page_is_recorded(client, make_user):
    user = make_user(role=Role.facility)
    sign_in(client, user)
    assert client.get("/users").status_code == 403
    (refused,) = events("access.refused")
    assert refused.user_id == user.id
    assert refused.details["path"] == "/users"
    assert refused.details["rule"] == "issue_accounts"


def test_a_refused_form_post_is_recorded_and_changes_nothing(client, make_user, make_facility):
    facility = make_facility()
    user = make_user(role=Role.facility, facility=facility)
    sign_in(client, user)
    token = csrf_token(client, "/home")
    response = client.post(f"/facilities/{facility.id}/edit",
                           data={"csrf_token": token, "name": "乗っ取り病院"})
    assert response.status_code == 403
    assert session.get(Facility, facility.id).name != "乗っ取り病院"
    (refused,) = events("access.refused")
    assert refused.details["method"] == "POST"


def test_a_record_out_of_scope_answers_like_a_missing_one_and_is_recorded(
        client, make_user, make_facility):
    other = make_facility(prefecture_code="27")  # 大阪府
    user = make_user(role=Role.prefecture)  # 東京都
    sign_in(client, user)
    missing_id = session.scalar(sa.select(sa.func.max(Facility.id))) + 1000
    out_of_scope = client.get(f"/facilities/{other.id}")
    missing = client.get(f"/facilities/{missing_id}")
    assert out_of_scope.status_code == missing.status_code == 404
    assert without_csrf_token(out_of_scope) == without_csrf_token(missing)
    (noted,) = events("access.out_of_scope")
    assert (noted.user_id, noted.object_type, noted.object_id) == (
        user.id, "Facility", str(other.id))
    assert audit.verify().broken is None


def test_the_application_cannot_change_or_delete_an_audit_row(make_user):
    *_, head = record_three(make_user())
    head.details = {"note": "後から変更"}
    with pytest.raises(RuntimeError, match="cannot be changed"):
        session.flush()
    session.rollback()
    session.delete(session.get(AuditEvent, head.id))
    with pytest.raises(RuntimeError, match="cannot be changed"):
        session.flush()
