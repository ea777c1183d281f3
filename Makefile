# The README's commands. Each sets everything up itself (Debian packages, virtualenv, pip).
.PHONY: setup run test lint bench

setup:
	@scripts/setup

## The main job on the embedded default, offline: crawl (the demo region through the fixture web on
## loopback) → deadlines → publish → Datasette on 127.0.0.1:8001.
run: setup
	.venv/bin/nokwatch run --demo

## The whole test suite.
test: setup
	.venv/bin/python -m pytest -p no:cacheprovider

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: setup
	.venv/bin/python benchmarks/deadlines.py
	.venv/bin/python benchmarks/sync.py
