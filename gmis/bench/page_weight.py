"""What a phone downloads to open today's hospital daily survey (target < 100 KB gzipped):
the page and the stylesheet and scripts it loads, raw and gzip-compressed as a proxy would
send them.

Floor: the sign-in page with the same stylesheet and scripts.
"""

from __future__ import annotations

import gzip
import re
from datetime import date
from pathlib import Path

from gmis.accounts.passwords import hash_password
from gmis.bench.scratch import scratch_app
from gmis.bench.timing import report_value
from gmis.db import session, utcnow
from gmis.models import Facility, FacilityType, Role, User
from gmis.surveys import periods, versions
from gmis.surveys.runtime import field_types
from gmis.text import with_check_digit

SURVEY = Path(__file__).resolve().parents[1] / "survey_defs" / "hospital_daily.yaml"
PASSWORD = "Bench-Weight2026"


def _weight(client, path: str) -> tuple[int, int]:
    """(raw, gzip) bytes of ``path`` and of the stylesheets and scripts it links."""
    page = client.get(path).get_data()
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', page)
    bodies = [page, *(client.get(a.decode()).get_data() for a in assets)]
    return sum(len(b) for b in bodies), sum(len(gzip.compress(b, 6)) for b in bodies)


def run() -> None:
    import yaml

    with scratch_app(WTF_CSRF_ENABLED=False) as app:
        with app.app_context():
            version = versions.import_definition(
                yaml.safe_load(SURVEY.read_text(encoding="utf-8")), field_types(),
                source=SURVEY.name).version
            versions.publish(version, date(2020, 4, 1))
            session.add(User(login_id="bench-weight", name="計測 太郎", email="w@example.jp",
                             role=Role.facility, password_hash=hash_password(PASSWORD),
                             facility=Facility(facility_type=FacilityType.hospital,
                                               code=with_check_digit("131010001"),
                                               name="計測病院", prefecture_code="13")))
            session.commit()
            today = periods.today(utcnow())
        client = app.test_client()
        floor_raw, floor_gzip = _weight(client, "/login")
        client.post("/login", data={"login_id": "bench-weight", "password": PASSWORD})
        raw, zipped = _weight(client, f"/surveys/hospital_daily/{today.isoformat()}")
    print("Hospital daily survey page on a phone (page, stylesheet and scripts)")
    report_value("bytes transferred, gzip", zipped / 1024, floor_gzip / 1024, "KB",
                 "< 100 KB")
    report_value("bytes, uncompressed", raw / 1024, floor_raw / 1024, "KB")
    print("  (floor: the sign-in page with the same stylesheet and scripts)")
