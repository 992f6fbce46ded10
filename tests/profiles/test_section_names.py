"""Consent names sections without knowing the catalogue: both must agree."""

from allaboutme.children.sections import SECTION_KEYS, SECTION_NAMES
from allaboutme.profiles import catalogue


def test_consent_and_catalogue_know_the_same_sections_in_the_same_order():
    assert catalogue.SECTION_KEYS == SECTION_KEYS


def test_short_names_are_the_catalogue_titles():
    for key in SECTION_KEYS:
        assert SECTION_NAMES[key]._args == catalogue.get_section(key).title._args
