"""Reference data every installation needs: the 47 prefectures, their secondary medical
areas and the health-centre cities and special wards (CSV files in ``gmis/data/``)."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from gmis.db import session
from gmis.models import City, CityKind, Prefecture, SecondaryArea

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data() -> dict[str, int]:
    """Insert what is missing (safe to run again); returns how many rows were added."""
    added = {"prefectures": 0, "secondary_areas": 0, "cities": 0}
    known = set(session.scalars(sa.select(Prefecture.code)))
    for row in read_csv("prefectures.csv"):
        if row["code"] not in known:
            session.add(Prefecture(**row))
            added["prefectures"] += 1
    session.flush()
    known = set(session.scalars(sa.select(SecondaryArea.code)))
    for row in read_csv("secondary_areas.csv"):
        if row["code"] not in known:
            session.add(SecondaryArea(**row))
            added["secondary_areas"] += 1
    known = set(session.scalars(sa.select(City.code)))
    for row in read_csv("health_centre_cities.csv"):
        if row["code"] not in known:
            session.add(City(**{**row, "kind": CityKind(row["kind"])}))
            added["cities"] += 1
    session.flush()
    return added
