# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo tour test lint typecheck bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The demo: three training clients on a local network (validator in-process), config/tiny-llama on the CPU.
DEMO_DATA := data/tiny-llama/dataset.json
DEMO_LOG := out/demo

$(DEMO_DATA): $(STAMP)
	$(BIN)/psyche-prepare-data --out data/tiny-llama

demo: $(STAMP) $(DEMO_DATA)
	@echo "Three training clients on config/tiny-llama, about 3 minutes on 2 CPU cores (Ctrl-C ends it early"
	@echo "with a summary); client logs, summary.json and loss.png go to $(DEMO_LOG)/."
	@rm -rf $(DEMO_LOG)
	$(BIN)/psyche-local-testnet start --num-clients 3 --config-path config/tiny-llama --client-device cpu --write-log $(DEMO_LOG)

# The runtime on its own: airdrop, an SPL mint, token accounts, transfers, logs.
tour: $(STAMP)
	$(BIN)/psyche-runtime-demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy emulator coordinator_program authorizer treasurer formats centralized_server validator client

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_runtime.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
