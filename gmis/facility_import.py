"""Facility master import from CSV."""

from flask.cli import AppGroup

facilities_cli = AppGroup("facilities", help="The facility master.")
