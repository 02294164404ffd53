# Two commands on a fresh machine: `make run` (set up, translate samples/) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/translate-cli
DATA ?= ../shared/data
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray
# Installs are exact: requirements/lock.txt pins every package (torch's CPU build included) with its hashes,
# for CPython 3.11 on Linux x86_64. `make lock` refreshes it on purpose; pyproject.toml keeps the ranges.
LOCK := requirements/lock.txt
LOCK_PART := requirements/lock_part.py
PIP := pip==26.3
PIP_TOOLS := pip-tools==7.7.0

.PHONY: run test setup setup-ray lock bench model clean

setup: $(STAMP)

setup-ray: $(RAY_STAMP)

$(STAMP): pyproject.toml $(LOCK) $(LOCK_PART)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "$(PIP)"
	$(PY) $(LOCK_PART) base < $(LOCK) > $(VENV)/lock-base.txt
	$(PY) -m pip install -q --require-hashes --no-deps -r $(VENV)/lock-base.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $(STAMP)

# Ray (the ray extra) only where it is used: `make test` (CI) and `batch --engine ray`; its lines of the lock.
$(RAY_STAMP): $(STAMP)
	$(PY) $(LOCK_PART) ray < $(LOCK) > $(VENV)/lock-ray.txt
	$(PY) -m pip install -q --require-hashes --no-deps -r $(VENV)/lock-ray.txt
	$(PY) -m pip check
	touch $(RAY_STAMP)

# Resolve today's releases within pyproject.toml's ranges into the lock, reinstall from it and run the tests:
# commit the new lock only when they pass.
lock:
	test -x .lock-tools/bin/pip-compile || ($(PYTHON) -m venv .lock-tools && .lock-tools/bin/pip install -q "$(PIP)" "$(PIP_TOOLS)")
	.lock-tools/bin/pip-compile -q --upgrade --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --extra fast --extra ray --extra test -o $(LOCK) pyproject.toml requirements/torch-cpu.in
	rm -f $(STAMP) $(RAY_STAMP)
	$(MAKE) test

# MODEL=... tries another model (an alias, a hub id or a folder) without editing anything.
run: $(STAMP)
	$(CLI) batch samples -o out/samples $(if $(MODEL),--model $(MODEL))
	@echo "outputs: out/samples/ (translation .en.txt, bitext .tsv/.jsonl/.tmx/.md/.html per article)"

test: $(RAY_STAMP)
	$(PY) -m ruff check translate_cli tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest -n auto

# Benchmarks print tables and ratios; BENCH_MODEL is any --model value (alias or folder).
BENCH_MODEL ?= embedded
bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/bench_segment.py --data $(DATA)/test
	$(PY) benchmarks/bench_align.py --data $(DATA)/test --model $(BENCH_MODEL)
	$(PY) benchmarks/bench_score.py --data $(DATA)/test
	$(PY) benchmarks/bench_speed.py --data $(DATA)/test --model $(BENCH_MODEL)
	$(PY) benchmarks/bench_batch.py --data $(DATA)/test
	$(PY) benchmarks/bench_checks.py --data $(DATA)/test

# The embedded model's recipe (see models/id-en-small/README.md); MINUTES of training on the best device.
MINUTES ?= 8
model: $(STAMP)
	$(PY) -m translate_cli.training prepare --data $(DATA) --out runs/prep
	$(PY) -m translate_cli.training train --prep runs/prep --run runs/id-en-small --config '{"minutes": $(MINUTES)}'
	$(PY) -m translate_cli.training export --run runs/id-en-small --out models/id-en-small

clean:
	rm -rf out runs/prep
