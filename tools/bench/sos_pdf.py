"""The PDF of one emergency supply request (target < 1 s warm), through the app's own
print view and WeasyPrint, on an in-memory SQLite database.

Floor: WeasyPrint making a one-line PDF in the same Japanese font (the fixed cost of
starting a document and embedding a font subset).
"""

from __future__ import annotations

from datetime import date

from flask import render_template

from gmis.db import session, utcnow
from gmis.models import (
    Facility,
    FacilityType,
    Role,
    SosEvent,
    SosRequest,
    SosRequestItem,
    SosStatus,
    User,
)
from gmis.pdf import render_pdf
from gmis.sos.rules import rules
from gmis.text import with_check_digit
from tools.bench.scratch import scratch_app
from tools.bench.timing import median_seconds, report

FLOOR_HTML = '<p class="print-document">緊急配布要請</p>'


def _request() -> SosRequest:
    facility = Facility(facility_type=FacilityType.hospital, code=with_check_digit("131010001"),
                        name="東京湾岸中央病院", postal_code="1400002",
                        address="東京都品川区東品川3-1-1", phone="0354701234",
                        prefecture_code="13")
    staff = User(login_id="bench-staff", name="佐藤 健一", email="staff@example.jp",
                 role=Role.facility, facility=facility)
    now = utcnow()
    sos_request = SosRequest(
        facility=facility, prefecture_code="13", title="2026/12/01_東京湾岸中央病院_緊急配布要請",
        status=SosStatus.reviewing, general_confirmed=True, n95_confirmed=True,
        remark="感染者の入院が増え、N95マスクの在庫が3日分になりました。" * 3, applied_at=now,
        handling_date=date(2026, 12, 1),
        items=[SosRequestItem(item_key=item.key, quantity=1000 * (n + 1), position=n)
               for n, item in enumerate(rules().items)],
        events=[SosEvent(action=action, user=staff) for action in ("created", "saved", "applied")])
    session.add(sos_request)
    session.flush()
    return sos_request


def run() -> None:
    with scratch_app() as app, app.test_request_context():
        sos_request = _request()

        def document() -> bytes:
            return render_pdf(render_template(
                "sos/print.html", sos_request=sos_request, rules=rules(), for_pdf=True,
                printed_at=utcnow()))

        print("Emergency supply request PDF (A4, IPAex Gothic)")
        report("PDF of one request (warm)", median_seconds(document, repeat=7, warmup=2),
               median_seconds(lambda: render_pdf(FLOOR_HTML), repeat=7, warmup=2),
               target_ms=1000)
        session.rollback()
