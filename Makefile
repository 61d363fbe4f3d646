# Two entry points; see README.md.
.PHONY: run test lint format

run:
	scripts/run.sh

test:
	scripts/install-system-deps.sh
	scripts/venv.sh test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	scripts/test.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
