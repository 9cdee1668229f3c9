# Everything creates what it needs: a fresh clone runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
DEMO_OUT := demo-out

.PHONY: demo test lint format checkov docs examples clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "xgen needs Python >= 3.11 (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# checkov pins its own boto3 and HCL parser, so it lives in a virtualenv of its own.
$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov>=3.2,<4'

checkov: $(CHECKOV_VENV)/bin/checkov

# The peers xgen lint is timed against, each in a virtualenv of its own.
PARLIAMENT_VENV := .venv-parliament
$(PARLIAMENT_VENV)/bin/parliament:
	$(PYTHON) -m venv $(PARLIAMENT_VENV)
	$(PARLIAMENT_VENV)/bin/python -m pip install --quiet 'parliament>=1.6,<2'

bench: $(VENV)/.installed $(CHECKOV_VENV)/bin/checkov $(PARLIAMENT_VENV)/bin/parliament
	$(BIN)/python benchmarks/bench.py --xgen $(BIN)/xgen \
		--parliament $(PARLIAMENT_VENV)/bin/parliament --checkov $(CHECKOV_VENV)/bin/checkov
	$(BIN)/python benchmarks/large_inputs.py --xgen $(BIN)/xgen

demo: $(VENV)/.installed
	rm -rf $(DEMO_OUT)
	$(BIN)/xgen render examples/seed-article/spec.yaml -o $(DEMO_OUT)
	@echo; echo "== files written to $(DEMO_OUT)/"; cd $(DEMO_OUT) && find . -type f | sort
	@echo; echo "== the article's bucket policy, as rendered"; cat $(DEMO_OUT)/source-111111111111/policies/bucket-policy.json
	@echo; echo "== xgen verify: who can reach the model, offline (exit 0: every check ok)"
	$(BIN)/xgen verify $(DEMO_OUT)
	@echo; echo "== xgen lint: the render's policies (profile seed: info only, what hardened tightens)"
	$(BIN)/xgen lint $(DEMO_OUT)

test: $(VENV)/.installed-test $(CHECKOV_VENV)/bin/checkov
	XGEN_CHECKOV=$(CHECKOV_VENV)/bin/checkov $(BIN)/python -m pytest -n 2 --durations=15

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate what is derived from the sources: module README tables, example renders.
docs: $(VENV)/.installed-test
	$(BIN)/python tools/module_docs.py

examples: $(VENV)/.installed
	for spec in examples/*/spec.yaml; do $(BIN)/xgen render $$spec || exit 1; done
	for step in examples/staged-rollout/step-*.yaml; do \
		name=$$(basename $$step .yaml); \
		$(BIN)/xgen render $$step -o examples/staged-rollout/rendered/$$name --force || exit 1; \
	done

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(PARLIAMENT_VENV) $(DEMO_OUT) .pytest_cache .ruff_cache .hypothesis
