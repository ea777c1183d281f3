"""Website addresses as registries write them → crawlable URLs."""

from __future__ import annotations

import pytest

from publisher.registry.addresses import normalise_website


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.school1.ru", "http://www.school1.ru/"),
        ("school1.ru/", "http://school1.ru/"),
        ("https://School1.RU/about", "https://school1.ru/about"),
        ("http://tatars-tomsk.ru/?page_id=38 ", "http://tatars-tomsk.ru/?page_id=38"),
        ("школа1.рф", "http://xn--1-7sb3aeo2d.xn--p1ai/"),
        ("a.ru; b.ru", "http://a.ru/"),
        ("http://rcs.family.tomsk.gov.ru/#dokumenty", "http://rcs.family.tomsk.gov.ru/"),
        ("site.ru:8080/x", "http://site.ru:8080/x"),
    ],
)
def test_normalised(raw, expected):
    assert normalise_website(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "not a url", "ftp://files.ru/", "localhost", "http://-bad-.ru/"]
)
def test_rejected(raw):
    with pytest.raises(ValueError):
        normalise_website(raw)
