"""Release building: versions, Frictionless packages, validation and integrity, changes and changelogs, feeds, charts, the published resources."""
