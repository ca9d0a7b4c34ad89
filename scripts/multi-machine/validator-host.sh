#!/usr/bin/env bash
# The chain's machine of a run spread over several machines: start a psyche-validator listening on an address,
# then, as the run's owner, create the run from a config, make and fund one keypair per client, authorize each to
# join, and start the run. The validator keeps running (in the foreground of this script) until Ctrl-C.
# Copy work-dir/client-N.json to client machine N and start it there with client-host.sh.
set -euo pipefail

usage() {
    local fd=2
    [[ "${1:-1}" == 0 ]] && fd=1  # --help goes to stdout, a usage error to stderr
    cat >&"$fd" <<USAGE
Usage: $0 --bind-address ADDR --config-path STATE_TOML [options]

Start a psyche-validator on ADDR and create, fund and start a run on it for --num-clients clients.

  --bind-address ADDR   address the validator listens on (0.0.0.0: every interface)          [required]
  --config-path FILE    the run's state.toml (e.g. config/test/state.toml)                   [required]
  --public-host HOST    how the client machines reach this one        [default: ADDR, unless ADDR is 0.0.0.0]
  --rpc-port PORT       JSON-RPC port; PubSub listens on PORT + 1                                [default: 8899]
  --run-id ID           the run's id                                                            [default: demo]
  --num-clients N       client keypairs to make, fund and authorize                                [default: 2]
  --work-dir DIR        where the ledger, the keypairs and validator.log go           [default: ./multi-machine]
  -h, --help            show this help

Prints a line "ready: ..." once the run has started, then one client-host.sh command per client.
\$PSYCHE_SOLANA_CLIENT and \$PSYCHE_VALIDATOR override the commands run (default: psyche-solana-client and
psyche-validator).
USAGE
    exit "${1:-1}"
}

BIND_ADDRESS=""
CONFIG_PATH=""
PUBLIC_HOST=""
RPC_PORT=8899
RUN_ID=demo
NUM_CLIENTS=2
WORK_DIR=./multi-machine
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bind-address) BIND_ADDRESS="${2:?--bind-address needs a value}"; shift 2 ;;
        --config-path) CONFIG_PATH="${2:?--config-path needs a value}"; shift 2 ;;
        --public-host) PUBLIC_HOST="${2:?--public-host needs a value}"; shift 2 ;;
        --rpc-port) RPC_PORT="${2:?--rpc-port needs a value}"; shift 2 ;;
        --run-id) RUN_ID="${2:?--run-id needs a value}"; shift 2 ;;
        --num-clients) NUM_CLIENTS="${2:?--num-clients needs a value}"; shift 2 ;;
        --work-dir) WORK_DIR="${2:?--work-dir needs a value}"; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "Error: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n "$BIND_ADDRESS" && -n "$CONFIG_PATH" ]] || usage
if [[ ! -f "$CONFIG_PATH" ]]; then
    echo "Error: config file '$CONFIG_PATH' not found." >&2
    exit 1
fi
# shellcheck source=public-host.sh
source "$(dirname "${BASH_SOURCE[0]}")/public-host.sh"
PUBLIC_HOST="$(public_host "$BIND_ADDRESS" "$PUBLIC_HOST")"

read -r -a CLIENT <<< "${PSYCHE_SOLANA_CLIENT:-psyche-solana-client}"
read -r -a VALIDATOR <<< "${PSYCHE_VALIDATOR:-psyche-validator}"
RPC_URL="http://$PUBLIC_HOST:$RPC_PORT"
mkdir -p "$WORK_DIR"

"${VALIDATOR[@]}" --bind-address "$BIND_ADDRESS" --rpc-port "$RPC_PORT" --ledger "$WORK_DIR/ledger" --quiet \
    > "$WORK_DIR/validator.log" 2>&1 &
VALIDATOR_PID=$!
stop_validator() {
    kill "$VALIDATOR_PID" 2>/dev/null || true
    wait "$VALIDATOR_PID" 2>/dev/null || true
}
trap stop_validator EXIT
trap 'exit 130' INT TERM

# Wait (up to a minute) for the JSON-RPC port to accept connections.
for _ in $(seq 120); do
    if (exec 3<>"/dev/tcp/$PUBLIC_HOST/$RPC_PORT") 2>/dev/null; then
        break
    fi
    if ! kill -0 "$VALIDATOR_PID" 2>/dev/null; then
        echo "Error: the validator exited; see $WORK_DIR/validator.log" >&2
        exit 1
    fi
    sleep 0.5
done
(exec 3<>"/dev/tcp/$PUBLIC_HOST/$RPC_PORT") 2>/dev/null || {
    echo "Error: nothing answers at $RPC_URL; see $WORK_DIR/validator.log" >&2
    exit 1
}

owner() { "${CLIENT[@]}" "$@" --rpc "$RPC_URL" --wallet-private-key-path "$WORK_DIR/owner.json"; }
[[ -f "$WORK_DIR/owner.json" ]] || "${CLIENT[@]}" keygen new --outfile "$WORK_DIR/owner.json"
owner airdrop 100
owner create-run --run-id "$RUN_ID" --client-version test --config-path "$CONFIG_PATH"
for n in $(seq "$NUM_CLIENTS"); do
    key="$WORK_DIR/client-$n.json"
    [[ -f "$key" ]] || "${CLIENT[@]}" keygen new --outfile "$key"
    "${CLIENT[@]}" airdrop 10 --rpc "$RPC_URL" --wallet-private-key-path "$key"
    owner join-authorization-create --authorizer "$("${CLIENT[@]}" keygen pubkey "$key")"
done
owner set-paused --run-id "$RUN_ID" --resume

echo "ready: run $RUN_ID on $RPC_URL (validator log: $WORK_DIR/validator.log); on client machine N, with its key:"
for n in $(seq "$NUM_CLIENTS"); do
    echo "  scripts/multi-machine/client-host.sh --rpc $RPC_URL --run-id $RUN_ID --keypair client-$n.json" \
        "--p2p-host <ITS_ADDRESS> --p2p-port 4000 --bootstrap-peer <ANOTHER_CLIENT>:4000"
done
echo "Ctrl-C stops the validator."
wait "$VALIDATOR_PID"
