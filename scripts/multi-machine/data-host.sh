#!/usr/bin/env bash
# The data machine of a run spread over several machines (it may be the chain's machine): serve token files made
# by psyche-prepare-data over HTTP (Range requests, as the clients' Http data provider reads them), and write the
# run config that reads them from here. Keeps serving (in the foreground of this script) until Ctrl-C.
set -euo pipefail

usage() {
    local fd=2
    [[ "${1:-1}" == 0 ]] && fd=1  # --help goes to stdout, a usage error to stderr
    cat >&"$fd" <<USAGE
Usage: $0 --data-dir DIR --bind-address ADDR [options]

Serve DIR (written by psyche-prepare-data) over HTTP on ADDR for an Http data location.

  --data-dir DIR        token shards and their dataset.json, from psyche-prepare-data                [required]
  --bind-address ADDR   address to listen on (0.0.0.0: every interface)                              [required]
  --public-host HOST    how the client machines reach this one        [default: ADDR, unless ADDR is 0.0.0.0]
  --port PORT           HTTP port                                                               [default: 8000]
  --config-path FILE    a run config (state.toml) to copy with its data location set to this server
  --config-out FILE     where to write that copy; give it to validator-host.sh --config-path
  -h, --help            show this help

Prints the data location as one JSON line, then serves until Ctrl-C. The NumberedFiles url_template holds at
most 64 bytes on chain, so keep HOST short (an IP address is). \$PSYCHE_SERVE_DATA overrides the command run
(default: psyche-serve-data).
USAGE
    exit "${1:-1}"
}

DATA_DIR=""
BIND_ADDRESS=""
PUBLIC_HOST=""
PORT=8000
CONFIG=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --data-dir) DATA_DIR="${2:?--data-dir needs a value}"; shift 2 ;;
        --bind-address) BIND_ADDRESS="${2:?--bind-address needs a value}"; shift 2 ;;
        --public-host) PUBLIC_HOST="${2:?--public-host needs a value}"; shift 2 ;;
        --port) PORT="${2:?--port needs a value}"; shift 2 ;;
        --config-path) CONFIG+=(--config-path "${2:?--config-path needs a value}"); shift 2 ;;
        --config-out) CONFIG+=(--config-out "${2:?--config-out needs a value}"); shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "Error: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n "$DATA_DIR" && -n "$BIND_ADDRESS" ]] || usage
# shellcheck source=public-host.sh
source "$(dirname "${BASH_SOURCE[0]}")/public-host.sh"
PUBLIC_HOST="$(public_host "$BIND_ADDRESS" "$PUBLIC_HOST")"

read -r -a SERVE <<< "${PSYCHE_SERVE_DATA:-psyche-serve-data}"
exec "${SERVE[@]}" "$DATA_DIR" --host "$BIND_ADDRESS" --port "$PORT" --public-host "$PUBLIC_HOST" \
    ${CONFIG[@]+"${CONFIG[@]}"}
