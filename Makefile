# Two commands on a fresh machine: `make report` and `make test`.
# Each creates .venv when missing and installs the package with its dependencies.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROGRAMME ?= projects/xiaolan
OUT       ?= outputs/xiaolan

.PHONY: report test test-fast bench lint validate clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Python caches each module's bytecode in __pycache__ (ignored by git) unless
# PYTHONDONTWRITEBYTECODE is set, as container images often set it; then every process
# compiles every module it imports again: each xdist worker collecting the suite 3 to 4
# CPU-s more, each build or CLI subprocess about 0.4. The targets below let Python keep
# its cache whatever the environment says.
CACHED := PYTHONDONTWRITEBYTECODE=

report: $(STAMP)
	$(CACHED) $(PY) -m xlfinance build $(PROGRAMME) --out $(OUT)

validate: $(STAMP)
	$(PY) -m xlfinance validate $(PROGRAMME)

# The full suite, as CI runs it, with the 15 slowest tests listed at the end.
test: $(STAMP)
	$(CACHED) $(PY) -m pytest -n 2 --durations=15

# The edit loop: everything but the LibreOffice and Chromium checks and the tests that build or
# evaluate whole programmes (marks in pyproject.toml), each property with a fifth of its
# examples (tests/strategies.py `examples`); `make test` runs them all, every example.
test-fast: $(STAMP)
	$(CACHED) XLFINANCE_TESTS=fast $(PY) -m pytest -n 2 -m "not libreoffice and not chromium and not programme" --durations=5

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(CACHED) $(PY) $$b || exit 1; done

# ruff everywhere; mypy --strict on the whole package.
STRICT := xlfinance
lint: $(STAMP)
	$(PY) -m ruff check xlfinance tests benchmarks
	$(PY) -m ruff format --check xlfinance tests benchmarks
	$(PY) -m mypy --strict $(STRICT)

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache .hypothesis
