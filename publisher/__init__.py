"""Registry, deadline engine, store and publishing: everything between the crawler and the open data."""
