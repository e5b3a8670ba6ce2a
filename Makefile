# Two commands on a fresh machine (README): `make demo` and `make test`.
# Each sets up what it needs; the venv is rebuilt only when the requirements change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -q -c requirements/constraints.txt
PYTEST_ARGS ?=

.PHONY: demo lint test sandbox-tools clean

# A Python older than pyproject's requires-python gets one sentence saying so, before pip runs.
$(BIN)/python:
	@$(PYTHON) autograder/integrations/python_version.py pyproject.toml "name a newer one, e.g. make $(or $(MAKECMDGOALS),demo) PYTHON=python3.12"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run: $(BIN)/python requirements/run.in requirements/constraints.txt pyproject.toml
	$(PIP) -r requirements/run.in
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.test: $(VENV)/.run requirements/test.in
	$(PIP) -r requirements/test.in
	touch $@

# bubblewrap isolates student code; python3-seccomp (libseccomp's binding for Debian's
# /usr/bin/python3) builds its seccomp filter; util-linux gives setpriv, unshare and mount
# (docs/SECURITY.md).  Installed where we are allowed to; elsewhere the grader says how to get
# bubblewrap and refuses to run student code without it.
SANDBOX_PACKAGES := bubblewrap python3-seccomp util-linux
sandbox-tools:
	@{ command -v bwrap >/dev/null 2>&1 && /usr/bin/python3 -c 'import seccomp' >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -q $(SANDBOX_PACKAGES) >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q $(SANDBOX_PACKAGES) >/dev/null)); \
	  else echo "sandbox tools missing: install them with 'sudo apt-get install $(SANDBOX_PACKAGES)'"; fi; }

demo: $(VENV)/.run sandbox-tools
	$(BIN)/autograder grade examples/submitted --out examples/results
	$(BIN)/autograder report examples/results

# Bug-finding lint rules and the type check (both configured in pyproject.toml).
lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/mypy

# One BLAS thread per test process: with -n 2 on two cores, threaded BLAS in both
# processes fights for the cores and numpy-heavy tests run ~10x slower.
test: lint $(VENV)/.test sandbox-tools
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) examples/results

# The inner loop: every test but those marked `@pytest.mark.slow` (more than a few seconds each:
# real nbgrader, training, whole-class grading). `make test` still runs everything.
.PHONY: test-fast
test-fast: $(VENV)/.test sandbox-tools
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)
