"""``flask --app wsgi demo load``: the demo data set loaded once, and what it holds told."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from gmis.db import session
from gmis.demo.generation import DEFAULT_FACILITIES, DEFAULT_SEED, MIN_FACILITIES
from gmis.demo.loading import DEMO_PASSWORD, MARKER_LOGIN_ID, load
from gmis.demo.records import DemoData
from gmis.models import FacilityType

demo_cli = AppGroup("demo", help="Demo data.")

def summary_lines(data: DemoData) -> list[str]:
    facilities = data.facilities
    prefectures = {f.prefecture_code for f in facilities}
    lines = [f"Facilities: {len(facilities):,} in {len(prefectures)} prefectures"]
    for facility_type in FacilityType:
        count = sum(1 for f in facilities if f.facility_type == facility_type)
        lines.append(f"  {facility_type.label}: {count:,}")
    designated = sum(1 for f in facilities if "outpatient_testing" in f.designations)
    lines.append(f"  診療・検査医療機関: {designated:,}")
    members = sum(len(a.members) for a in data.aggregators)
    lines.append(f"Aggregators: {len(data.aggregators)} medical associations, "
                 f"{members} member clinics")
    lines.append(f"Fire departments: {len(data.fire_departments)}")
    lines.append(f"Demo users (password {DEMO_PASSWORD}):")
    for user in data.users:
        if user.facility is not None:
            organisation = facilities[user.facility].name
        elif user.aggregator is not None:
            organisation = data.aggregators[user.aggregator].name
        elif user.fire_department is not None:
            organisation = data.fire_departments[user.fire_department].name
        elif user.prefecture_code:
            organisation = "東京都"
        elif user.city_code:
            organisation = "新宿区"
        else:
            organisation = ""
        lines.append(f"  {user.login_id:<16} {user.role.label}"
                     + (f" / {organisation}" if organisation else ""))
    return lines


@demo_cli.command("load")
@click.option("--facilities", "facility_count", default=DEFAULT_FACILITIES, show_default=True,
              type=click.IntRange(min=MIN_FACILITIES), help="How many facilities to make.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True,
              help="Seed of the random choices; the same seed gives the same data.")
def load_command(facility_count: int, seed: int) -> None:
    """Load a realistic nationwide demo data set with one user per role (only once)."""
    started = time.perf_counter()
    data = load(facility_count, seed)
    if data is None:
        click.echo(f"Demo data is already loaded (user {MARKER_LOGIN_ID} exists); nothing done.")
        return
    session.commit()
    for line in summary_lines(data):
        click.echo(line)
    click.echo(f"Loaded in {time.perf_counter() - started:.1f} s.")
