#!/usr/bin/env bash
# The server machine of a centralized run (no chain): host the run's coordinator for clients on other machines.
set -euo pipefail

usage() {
    local fd=2
    [[ "${1:-1}" == 0 ]] && fd=1
    cat >&"$fd" <<USAGE
Usage: $0 --state FILE [--port 20000] [--bind-address 0.0.0.0] [--log-dir DIR] [-- RUN_OPTION...]

Run psyche-centralized-server run on this machine; clients connect with psyche-centralized-client.sh.

  --state FILE            the run's state.toml (run_id defaults to its folder's name)                   [required]
  --port N                the port clients connect to                                              [default: 20000]
  --bind-address ADDR     the address to listen on                                               [default: 0.0.0.0]
  --log-dir DIR           write the server's JSON lines to DIR/server.jsonl and save each epoch's state in DIR
  -h, --help              show this help

Anything after -- goes to run as it is (e.g. -- --withdraw-on-disconnect false).
\$PSYCHE_CENTRALIZED_SERVER overrides the command run (default: psyche-centralized-server).
USAGE
    exit "${1:-1}"
}

STATE=""
PORT=20000
BIND=0.0.0.0
EXTRA=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --state) STATE="${2:?--state needs a value}"; shift 2 ;;
        --port) PORT="${2:?--port needs a value}"; shift 2 ;;
        --bind-address) BIND="${2:?--bind-address needs a value}"; shift 2 ;;
        --log-dir)
            LOG_DIR="${2:?--log-dir needs a value}"; mkdir -p "$LOG_DIR"
            EXTRA+=(--write-log "$LOG_DIR/server.jsonl" --save-state-dir "$LOG_DIR"); shift 2 ;;
        --) shift; EXTRA+=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "Error: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n "$STATE" ]] || usage
[[ -f "$STATE" ]] || { echo "Error: state file '$STATE' not found." >&2; exit 1; }

read -r -a SERVER <<< "${PSYCHE_CENTRALIZED_SERVER:-psyche-centralized-server}"
exec "${SERVER[@]}" run --state "$STATE" --server-port "$PORT" --server-host "$BIND" --tui false "${EXTRA[@]}"
