# sms-constructs — every target sets itself up idempotently on a fresh machine (Python >= 3.11, Node, npm).
#   make synth   synthesize the sample app into cdk.out/ (no AWS account needed)
#   make test    the whole test suite (unit, handler, snapshot and compliance gates)
#   make lint    ruff + mypy --strict
#   make diff / make deploy   for people with an AWS account (profile: PROFILE=sandbox|production)
#   make integ   deploy-mode tests against the deployed sandbox (AWS credentials, after make deploy)
#   make test-message          after make deploy: send test messages (the simulator, or verified numbers) and follow them (PROFILE=...)
#   make verify-destination NUMBER=+1...   sandbox: send a verification code to a destination number, then verify it
#   make cost    synthesize, then price what the stacks cost per month before any message (PROFILE=...)
#   make docs    the documentation site, built strictly into site/ (make docs-serve: live preview on localhost:8000)
#   make docs-check  render the site's key pages in headless Chromium (1280 and 390 px): overflow, failed loads
#   make diagram regenerate the architecture diagrams from the synthesized sample app
#   make props   regenerate the props tables of the construct pages from the docstrings
#   make simulate   the whole pipeline offline on a simulated clock (SIM_ARGS="--messages 2000 --mps 3 ...")
#                   or the real sender in N processes with wake-up jitter (SIM_ARGS="--processes 8 --jitter-ms 10")
#                   or a scenario with its own checks (SIM_ARGS="--scenario otp-under-backlog|runaway-producer|word-processor")
#   make bench   every benchmark in benchmarks/ (results in benchmarks/results/, plots in docs/images/)
#   make dist    the release: wheel and sdist in dist/, checked with twine check --strict

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
DOCS_VENV := .venv-docs
PROFILE ?= sandbox
PYTEST_ARGS ?=
# pytest-xdist processes for make test (the suite is mostly synthesis and subprocesses: 2 cores halve it).
PYTEST_WORKERS ?= 2
SIM_ARGS ?=
BENCHMARKS := benchmarks/pacing.py benchmarks/pacing_processes.py benchmarks/lanes.py benchmarks/routes.py \
  benchmarks/parts_saved.py benchmarks/athena_cost.py benchmarks/sender_cost.py benchmarks/synth_time.py \
  benchmarks/test_suite.py

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := true
# The sample app resolves everything at deploy time; synthesis must never reach AWS.
export AWS_EC2_METADATA_DISABLED := true

CDK := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npx --no-install cdk

.PHONY: setup synth test lint format diff deploy integ test-message verify-destination cost clean constraints schema \
	docs docs-serve diagram props simulate bench

setup: $(VENV)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CHECKOV_VENV)/.installed: .ci/checkov-requirements.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r .ci/checkov-requirements.txt
	@touch $@

synth: $(VENV)/.installed node_modules/.installed
	rm -rf cdk.out
	$(CDK) synth --quiet -c sms-constructs:profile=$(PROFILE)
	@echo "Stacks written to cdk.out/:"
	@ls -1 cdk.out/*.template.json

test: setup
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

diff: $(VENV)/.installed node_modules/.installed
	$(CDK) diff -c sms-constructs:profile=$(PROFILE)

deploy: $(VENV)/.installed node_modules/.installed
	$(CDK) deploy --all -c sms-constructs:profile=$(PROFILE)

# The whole pipeline offline: SmsSendQueue and SmsRetry as synthesized, the real handlers, a fake SMS API (no AWS).
# --processes N: sender.handler.main in N processes through botocore, moto's server and an HTTP fake of the SMS API.
simulate: $(VENV)/.installed
	$(PY) -m sms_constructs.simulate $(SIM_ARGS)

# Each benchmark prints its figure last and writes benchmarks/results/<name>.json (see docs/benchmarks.md).
bench: setup
	@for script in $(BENCHMARKS); do echo "== $$script"; $(PY) $$script || exit 1; done

# Deploy-mode tests against the deployed sandbox (simulator numbers): needs AWS credentials and `make deploy` first.
integ: $(VENV)/.installed
	SMS_CONSTRUCTS_INTEG=1 $(PY) -m pytest -m integration tests/integration

# After `make deploy`: queue messages to the simulator's success and failure numbers and follow them to the end.
test-message: $(VENV)/.installed
	$(VENV)/bin/sms-constructs-test-message --app-profile $(PROFILE)

# Sandbox accounts send only to verified numbers: send the code to NUMBER (E.164), then type the code it received.
verify-destination: $(VENV)/.installed
	@test -n "$(NUMBER)" || { echo "usage: make verify-destination NUMBER=+14255550142"; exit 2; }
	$(VENV)/bin/sms-constructs-verify-destination $(NUMBER)

# The fixed monthly cost of the synthesized stacks: KMS keys, alarm metrics, dashboards, idle SQS polling.
cost: synth
	$(VENV)/bin/sms-constructs-fixed-cost cdk.out

# Re-pin constraints.txt to the newest releases inside pyproject.toml's ranges (then run make test).
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[dev]'
	{ head -n 2 constraints.txt; .venv-constraints/bin/python -m pip freeze --exclude-editable | grep -v '^sms-constructs'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

# Regenerate the producer contract's JSON Schema (package and docs copies) from sms_constructs_runtime.
schema: $(VENV)/.installed
	PYTHONPATH=lambda $(PY) -m sms_constructs_runtime.schema > lambda/sms_constructs_runtime/contract.schema.json
	cp lambda/sms_constructs_runtime/contract.schema.json docs/patterns/contract.schema.json

# The documentation site (mkdocs.yml): strict, so a broken link or anchor, a page left out of the navigation or a
# docstring reference that does not resolve fails the build. Material's end-of-life notice is silenced.
# It builds in its own virtualenv, .venv-docs, with only the `docs` extra of pyproject.toml (MkDocs, Material,
# mkdocstrings, griffe) pinned by constraints.txt: not the package, not aws-cdk-lib (the API pages read the sources
# statically), so a fresh clone builds the site in about a minute. DOCS_URL / REPO_URL: where the site is published and
# the repository it is built from (mkdocs.yml, docs/contributing.md#building-the-documentation).
# node_modules: the Mermaid script the site serves itself (docs/tools/mermaid.py), pinned by package-lock.json.
docs: $(DOCS_VENV)/.installed node_modules/.installed
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict --site-dir site
	@echo "Site written to site/: open site/index.html"

docs-serve: $(DOCS_VENV)/.installed node_modules/.installed
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs serve --strict

# The rendered check (not in make test: it needs a browser): builds the site, serves it on 127.0.0.1 and renders the
# key pages in headless Chromium at 1280 and 390 px; fails on a table, code block, diagram or page wider than its
# column, a Mermaid diagram not drawn, and any request that fails or leaves the local server. Screenshots, summary.md
# and summary.json in build/render-check/. Installs Debian's chromium when missing (as root) and the `render` extra.
# RENDER_ARGS: more options (--all, --page patterns/retry.md, --width 768; see docs/contributing.md).
RENDER_ARGS ?=
.PHONY: docs-check
docs-check: docs $(DOCS_VENV)/.render-installed
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(DOCS_VENV)/bin/python docs/tools/render_check.py --site site $(RENDER_ARGS)

$(DOCS_VENV)/.render-installed: $(DOCS_VENV)/.installed
	$(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["render"], sep="\n")' > $(DOCS_VENV)/render-requirements.txt
	$(DOCS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r $(DOCS_VENV)/render-requirements.txt
	@touch $@

$(DOCS_VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(DOCS_VENV)
	$(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["docs"], sep="\n")' > $(DOCS_VENV)/requirements.txt
	$(DOCS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r $(DOCS_VENV)/requirements.txt
	@touch $@

# Redraw docs/sample-app/diagram.md, and the overview in the README and on the home page (docs/index.md), from both
# profiles of the synthesized sample app.
diagram: $(VENV)/.installed
	$(PY) -m sms_constructs.sample_app.diagram

# Rewrite the props tables of the docs pages (between <!-- props:begin NAME --> and <!-- props:end -->) from the
# docstrings; tests/docs/test_props_tables.py fails when one is stale.
props: $(VENV)/.installed
	$(PY) docs/tools/props_tables.py

clean:
	rm -rf cdk.out site .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info

# After a release: renew the upgrade gate's baseline (tests/upgrade/baseline/) from the released commit, extracted with
# git archive (the work tree and the repository are not touched). See docs/upgrading.md.
.PHONY: upgrade-baseline
upgrade-baseline: $(VENV)/.installed
	@test -n "$(REF)" || { echo "usage: make upgrade-baseline REF=<release commit or tag>"; exit 2; }
	$(PY) tests/upgrade/make_baseline.py --ref $(REF)

# A release: the wheel and the sdist in dist/, built from this checkout with the pinned setuptools (python -m build
# --no-isolation), then checked with twine check --strict (metadata and README rendering). The version is
# pyproject.toml's. Install with: pip install dist/sms_constructs-<version>-py3-none-any.whl (docs/getting-started.md).
.PHONY: dist
dist: $(VENV)/.installed
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .
	$(VENV)/bin/twine check --strict dist/*
	@ls -1 dist
