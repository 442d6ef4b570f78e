"""The regional bed view on the daily-reporting data set (8,060 hospitals with a month of
answers): the national page, a filtered htmx fragment, and one prefecture's CSV.

Floor: GET /healthz through the same test client (one request, one query).
"""

from __future__ import annotations

from gmis.db import session
from gmis.surveys.store import latest
from tools.bench.timing import median_seconds, report


def run(data, signed_in_client, fetch) -> None:
    """``data``, ``signed_in_client`` and ``fetch`` of the daily-reporting benchmark."""
    with data.app.app_context():
        # The set-up loads responses by COPY, past the code that keeps the latest ones.
        hospitals = latest.rebuild(data.surveys["hospital_daily"].survey_id)
        session.commit()
    client = signed_in_client(data, data.national_cookie)
    print(f"Regional bed view, national user ({hospitals:,} hospitals with a report)")
    floor = median_seconds(lambda: fetch(client, "/healthz"))
    report("GET /beds, whole nation (page 1, totals)", median_seconds(
        lambda: fetch(client, "/beds")), floor, target_ms=150)
    fragment = median_seconds(lambda: client.get(
        "/beds?pref=13&q=%E4%B8%AD%E5%A4%AE&sort=-vacant", headers={"HX-Request": "true"})
        .get_data())
    report("GET /beds fragment, 東京都 + name search", fragment, floor, target_ms=50)
    report("GET /beds/export.csv, 東京都 (cp932)", median_seconds(
        lambda: fetch(client, "/beds/export.csv?pref=13"), repeat=5), floor)
    report("GET /beds/full/export.csv, whole nation", median_seconds(
        lambda: fetch(client, "/beds/full/export.csv"), repeat=3, warmup=1), floor)
    print("  (floor: GET /healthz through the same client)")
