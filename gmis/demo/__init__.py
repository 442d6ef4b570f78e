"""Demo data: a realistic, deterministic, nationwide data set for trying G-MIS out.

``flask --app wsgi demo load`` fills an installation once. It is made in two steps:
``generate()`` (generation.py) is a pure function of (facility count, seed) that returns
plain records (records.py), and ``load()`` (loading.py) writes them, with a fortnight of
answers and a few supply requests (activity.py). The same count and seed always give the
same data set, so a demo shown twice shows the same hospitals.

Addresses are real: postal codes, prefectures, municipalities and neighbourhoods come from
Japan Post's data through gmis/postal.py (only the 番地 is made up); the figures that weigh
each prefecture are a data file beside this one (prefecture_facts.csv). Facility codes carry
a valid check digit. Names, phone numbers and e-mail addresses (on example.jp) are invented.
"""

from gmis.demo.generation import DEFAULT_FACILITIES, DEFAULT_SEED, MIN_FACILITIES, generate
from gmis.demo.loading import DEMO_PASSWORD, MARKER_LOGIN_ID, is_loaded, load, write
from gmis.demo.places import postal_addresses
from gmis.demo.records import DemoData

__all__ = [
    "DEFAULT_FACILITIES", "DEFAULT_SEED", "DEMO_PASSWORD", "MARKER_LOGIN_ID", "MIN_FACILITIES",
    "DemoData", "generate", "is_loaded", "load", "postal_addresses", "write",
]
