# Two commands on a fresh machine: `make run` (set up, translate samples/) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/translate-cli
# The CPU wheel of this torch release is what the project is developed and tested with.
TORCH ?= torch==2.13.0
DATA ?= ../shared/data
STAMP := $(VENV)/.installed

.PHONY: run test setup bench model clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[fast,ray,test]"
	touch $(STAMP)

run: $(STAMP)
	$(CLI) batch samples -o out/samples
	@echo "outputs: out/samples/ (translation .en.txt, bitext .tsv/.jsonl/.tmx/.md/.html per article)"

test: $(STAMP)
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

# The embedded model's recipe (see models/id-en-small/README.md); MINUTES of training on the best device.
MINUTES ?= 8
model: $(STAMP)
	$(PY) -m translate_cli.training prepare --data $(DATA) --out runs/prep
	$(PY) -m translate_cli.training train --prep runs/prep --run runs/id-en-small --config '{"minutes": $(MINUTES)}'
	$(PY) -m translate_cli.training export --run runs/id-en-small --out models/id-en-small

clean:
	rm -rf out runs/prep
