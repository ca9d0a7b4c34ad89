#!/usr/bin/env bash
# A client machine of a centralized run: train in the run a psyche-centralized-server.sh hosts.
set -euo pipefail

usage() {
    local fd=2
    [[ "${1:-1}" == 0 ]] && fd=1
    cat >&"$fd" <<USAGE
Usage: $0 --run-id ID --server-addr HOST:PORT --p2p-host ADDR --bootstrap-peer H:P [options] [-- TRAIN_OPTION...]

Run psyche-centralized-client train in the run, with this machine's keypair (made on first use).

  --run-id ID             the run's id (the server's state.toml run_id, or its folder's name)          [required]
  --server-addr H:P       the server, e.g. 192.168.1.10:20000                                         [required]
  --p2p-host ADDR         address this client serves results on and announces; others must reach it  [required]
  --bootstrap-peer H:P    another client of the run, running or not yet (repeatable)                 [required]
  --p2p-port N            P2P port                                                                [default: 4000]
  --keypair FILE          this client's identity; made if missing                     [default: ./client-key.json]
  --device DEV            auto, cpu, cuda or cuda:N                                               [default: auto]
  -h, --help              show this help

Anything after -- goes to train as it is (e.g. -- --logs json --write-log client.jsonl).
\$PSYCHE_CENTRALIZED_CLIENT overrides the command run (default: psyche-centralized-client), \$PSYCHE_SOLANA_CLIENT
the one that makes the keypair (default: psyche-solana-client).
USAGE
    exit "${1:-1}"
}

RUN_ID=""
SERVER_ADDR=""
P2P_HOST=""
P2P_PORT=4000
KEYPAIR=./client-key.json
DEVICE=auto
BOOTSTRAP=()
EXTRA=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --run-id) RUN_ID="${2:?--run-id needs a value}"; shift 2 ;;
        --server-addr) SERVER_ADDR="${2:?--server-addr needs a value}"; shift 2 ;;
        --p2p-host) P2P_HOST="${2:?--p2p-host needs a value}"; shift 2 ;;
        --p2p-port) P2P_PORT="${2:?--p2p-port needs a value}"; shift 2 ;;
        --keypair) KEYPAIR="${2:?--keypair needs a value}"; shift 2 ;;
        --device) DEVICE="${2:?--device needs a value}"; shift 2 ;;
        --bootstrap-peer) BOOTSTRAP+=(--bootstrap-peer "${2:?--bootstrap-peer needs a value}"); shift 2 ;;
        --) shift; EXTRA+=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "Error: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n "$RUN_ID" && -n "$SERVER_ADDR" && -n "$P2P_HOST" && ${#BOOTSTRAP[@]} -gt 0 ]] || usage

if [[ ! -f "$KEYPAIR" ]]; then
    read -r -a KEYGEN <<< "${PSYCHE_SOLANA_CLIENT:-psyche-solana-client}"
    "${KEYGEN[@]}" keygen new -o "$KEYPAIR" >/dev/null
fi
read -r -a CLIENT <<< "${PSYCHE_CENTRALIZED_CLIENT:-psyche-centralized-client}"
exec "${CLIENT[@]}" train --run-id "$RUN_ID" --server-addr "$SERVER_ADDR" -w "$KEYPAIR" --device "$DEVICE" \
    --p2p-host "$P2P_HOST" --p2p-port "$P2P_PORT" "${BOOTSTRAP[@]}" "${EXTRA[@]}"
