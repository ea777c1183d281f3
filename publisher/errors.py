"""Errors the publisher raises.

NokwatchError
├── InputError      a file or row a user gave us is wrong (names the place and the reason)
├── StoreError      the data directory's store cannot be used
└── PublishError    a release could not be produced (validation failed, nothing to publish)
"""

from __future__ import annotations


class NokwatchError(Exception):
    """Base of every error nokwatch reports to a user."""


class InputError(NokwatchError):
    """A user-supplied file or row is wrong."""


class StoreError(NokwatchError):
    """The store cannot be opened or used."""


class PublishError(NokwatchError):
    """A release could not be produced."""
