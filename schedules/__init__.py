"""The scheduled service: APScheduler runs the same steps as the CLI, every night, unattended.

Schedules are data (``schedules/national.yaml``, ``schedules/regions/<REGION>.yaml``); job
functions live in ``schedules.jobs`` and are referenced by text so the SQLAlchemy job store can
keep them across restarts.
"""
