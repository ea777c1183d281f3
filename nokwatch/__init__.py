"""nokwatch: watches whether social-sphere institutions publish what the НОК rules require.

The one object a user holds is the ``Workspace`` (the data directory)::

    from nokwatch import Workspace
    ws = Workspace("data")
"""

from nokwatch.workspace import Workspace
from publisher.errors import InputError, NokwatchError, PublishError, UnknownTarget
from publisher.version import __version__

__all__ = [
    "InputError",
    "NokwatchError",
    "PublishError",
    "UnknownTarget",
    "Workspace",
    "__version__",
]
