#!/usr/bin/env bash
# A client machine of a run spread over several machines: train in the run that validator-host.sh started,
# with a keypair it made, funded and authorized (copied here), serving P2P on an address the other clients reach.
set -euo pipefail

usage() {
    local fd=2
    [[ "${1:-1}" == 0 ]] && fd=1  # --help goes to stdout, a usage error to stderr
    cat >&"$fd" <<USAGE
Usage: $0 --rpc URL --keypair FILE --p2p-host ADDR --bootstrap-peer H:P [options] [-- TRAIN_OPTION...]

Run psyche-solana-client train in the run, as the keypair's client.

  --rpc URL               the validator's JSON-RPC URL, e.g. http://HOST:8899                          [required]
  --keypair FILE          this client's keypair (made and authorized by validator-host.sh)               [required]
  --p2p-host ADDR         address this client serves results on and announces; others must reach it    [required]
  --p2p-port N            P2P port                                                                  [default: 4000]
  --ws-rpc URL            the validator's PubSub URL                  [default: the --rpc URL as ws://, port + 1]
  --run-id ID             the run's id                                                              [default: demo]
  --bootstrap-peer H:P    another client of the run, running or not yet (repeatable)                   [required]
                          peers find each other only through it: give every client one, the first too, so
                          that it finds the others again when it restarts
  -h, --help              show this help

Anything after -- goes to train as it is (e.g. -- --device cuda --logs json --write-log client.jsonl).
\$PSYCHE_SOLANA_CLIENT overrides the command run (default: psyche-solana-client).
USAGE
    exit "${1:-1}"
}

RPC_URL=""
KEYPAIR=""
P2P_HOST=""
P2P_PORT=4000
RUN_ID=demo
OPTIONAL=()
BOOTSTRAP=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rpc) RPC_URL="${2:?--rpc needs a value}"; shift 2 ;;
        --keypair) KEYPAIR="${2:?--keypair needs a value}"; shift 2 ;;
        --p2p-host) P2P_HOST="${2:?--p2p-host needs a value}"; shift 2 ;;
        --p2p-port) P2P_PORT="${2:?--p2p-port needs a value}"; shift 2 ;;
        --run-id) RUN_ID="${2:?--run-id needs a value}"; shift 2 ;;
        --ws-rpc) OPTIONAL+=(--ws-rpc "${2:?--ws-rpc needs a value}"); shift 2 ;;
        --bootstrap-peer) BOOTSTRAP+=(--bootstrap-peer "${2:?--bootstrap-peer needs a value}"); shift 2 ;;
        --) shift; OPTIONAL+=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "Error: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n "$RPC_URL" && -n "$KEYPAIR" && -n "$P2P_HOST" && ${#BOOTSTRAP[@]} -gt 0 ]] || usage
if [[ ! -f "$KEYPAIR" ]]; then
    echo "Error: keypair file '$KEYPAIR' not found." >&2
    exit 1
fi

read -r -a CLIENT <<< "${PSYCHE_SOLANA_CLIENT:-psyche-solana-client}"
# The join authorization names this client's own key as the grantee, so it is also the --authorizer.
AUTHORIZER="$("${CLIENT[@]}" keygen pubkey "$KEYPAIR")"
exec "${CLIENT[@]}" train \
    --rpc "$RPC_URL" \
    --run-id "$RUN_ID" \
    --wallet-private-key-path "$KEYPAIR" \
    --authorizer "$AUTHORIZER" \
    --p2p-host "$P2P_HOST" \
    --p2p-port "$P2P_PORT" \
    "${BOOTSTRAP[@]}" \
    ${OPTIONAL[@]+"${OPTIONAL[@]}"}
