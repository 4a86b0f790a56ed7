# Two commands on a fresh clone: `make site`, then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test serve dealer-site serve-editions check bench clean

site: $(STAMP)
	$(BIN)/koc build

# Both editions from one repository, into separate folders.
dealer-site: $(STAMP)
	$(BIN)/koc build --audience dealer --site-dir site-dealer

test: $(STAMP)
	$(BIN)/python -m pytest

serve: $(STAMP)
	$(BIN)/koc serve

# Both editions as the intranet server serves them (deploy/Caddyfile), on
# 127.0.0.1 only, with accounts made for this run. Needs caddy (Debian package).
serve-editions: site dealer-site
	$(BIN)/python deploy/trial.py --internal site --dealer site-dealer

check: $(STAMP)
	$(BIN)/koc check

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The test extras and the other engines (README "Engines"): ProperDocs always;
# Zensical where its wheels install (tests/test_engines.py skips it otherwise).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,properdocs]'
	$(BIN)/python -m pip install --quiet $$($(BIN)/python -c "import tomllib; \
	    print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['zensical'])") 2>/dev/null \
	  || echo "Zensical does not install here: its build from koc export will be skipped"
	touch $(STAMP)

clean:
	rm -rf site site-dealer .site.* .site-dealer.* .cache
