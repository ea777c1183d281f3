"""The nokwatch crawler: a Scrapy project whose spiders fetch and route, whose detectors decide."""
