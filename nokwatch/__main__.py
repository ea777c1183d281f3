"""``python -m nokwatch``: the same as the ``nokwatch`` command."""

from nokwatch.cli import main

main()
