"""Spiders: one per kind of check, each looping over the registry."""
