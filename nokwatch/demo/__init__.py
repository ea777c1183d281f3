"""A simulated web of institution sites, served on loopback as an HTTP proxy.

It lets the crawler's tests and the offline demo meet the kinds of sites institutions really have
(WordPress, Joomla, Bitrix, gosweb, tvoysadik, static; utf-8 and windows-1251; plans, forms, links,
failures) without touching the internet. It ships with the product because ``nokwatch run --demo``
uses it, not only the tests.
"""

from nokwatch.demo.region import DEMO_REGION, demo_registry_rows, demo_sites
from nokwatch.demo.server import FixtureWeb
from nokwatch.demo.sites import SiteSpec

__all__ = ["DEMO_REGION", "FixtureWeb", "SiteSpec", "demo_registry_rows", "demo_sites"]
