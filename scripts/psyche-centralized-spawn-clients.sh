#!/usr/bin/env bash
# Several clients of a centralized run on this machine (a multi-GPU box, or a test): each its own keypair, P2P port,
# checkpoint directory and log, all bootstrapping from each other. Waits for all; exits with the first failure.
set -euo pipefail

usage() {
    local fd=2
    [[ "${1:-1}" == 0 ]] && fd=1
    cat >&"$fd" <<USAGE
Usage: $0 --run-id ID --server-addr HOST:PORT --num-clients N [options]

  --run-id ID             the run's id                                                              [required]
  --server-addr H:P       the server                                                                [required]
  --num-clients N         how many clients to start                                                 [required]
  --device DEV            auto, cpu, cuda or cuda:N; with cuda, client n gets cuda:n-1               [default: auto]
  --p2p-host ADDR         address the clients serve results on                               [default: 127.0.0.1]
  --first-p2p-port N      client n serves on N+n-1                                                [default: 4000]
  --logs FORMAT           console, json or none (each client's log also goes to DIR/client-n.jsonl) [default: json]
  --tiers T0,T1,...       MatFormer tiers: client n trains with --matformer-tier T[(n-1) % count]   [default: none]
  --work-dir DIR          keypairs, checkpoints and logs                           [default: ./centralized-clients]
  -h, --help              show this help

\$PSYCHE_CENTRALIZED_CLIENT and \$PSYCHE_SOLANA_CLIENT override the commands, as in psyche-centralized-client.sh.
USAGE
    exit "${1:-1}"
}

RUN_ID=""
SERVER_ADDR=""
NUM=""
DEVICE=auto
P2P_HOST=127.0.0.1
FIRST_PORT=4000
LOGS=json
WORK=./centralized-clients
TIERS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --run-id) RUN_ID="${2:?--run-id needs a value}"; shift 2 ;;
        --server-addr) SERVER_ADDR="${2:?--server-addr needs a value}"; shift 2 ;;
        --num-clients) NUM="${2:?--num-clients needs a value}"; shift 2 ;;
        --device) DEVICE="${2:?--device needs a value}"; shift 2 ;;
        --p2p-host) P2P_HOST="${2:?--p2p-host needs a value}"; shift 2 ;;
        --first-p2p-port) FIRST_PORT="${2:?--first-p2p-port needs a value}"; shift 2 ;;
        --logs) LOGS="${2:?--logs needs a value}"; shift 2 ;;
        --work-dir) WORK="${2:?--work-dir needs a value}"; shift 2 ;;
        --tiers) IFS=, read -r -a TIERS <<< "${2:?--tiers needs a value}"; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "Error: unknown option '$1'" >&2; usage ;;
    esac
done
[[ -n "$RUN_ID" && -n "$SERVER_ADDR" && "$NUM" =~ ^[1-9][0-9]*$ ]] || usage
for tier in "${TIERS[@]}"; do
    [[ "$tier" =~ ^[0-9]+$ ]] || { echo "Error: --tiers takes comma-separated tier numbers such as 0,2, got '$tier'" >&2; exit 2; }
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$WORK"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' INT TERM
for ((n = 1; n <= NUM; n++)); do
    PEERS=()
    for ((m = 1; m <= NUM; m++)); do
        ((m != n)) && PEERS+=(--bootstrap-peer "$P2P_HOST:$((FIRST_PORT + m - 1))")
    done
    ((NUM == 1)) && PEERS=(--bootstrap-peer "$P2P_HOST:$FIRST_PORT")
    CLIENT_DEVICE="$DEVICE"
    [[ "$DEVICE" == cuda ]] && CLIENT_DEVICE="cuda:$((n - 1))"
    TIER=()
    ((${#TIERS[@]} > 0)) && TIER=(--matformer-tier "${TIERS[(n - 1) % ${#TIERS[@]}]}")
    "$HERE/psyche-centralized-client.sh" --run-id "$RUN_ID" --server-addr "$SERVER_ADDR" \
        --p2p-host "$P2P_HOST" --p2p-port "$((FIRST_PORT + n - 1))" --keypair "$WORK/client-$n.json" \
        --device "$CLIENT_DEVICE" "${PEERS[@]}" -- --logs "$LOGS" --write-log "$WORK/client-$n.jsonl" \
        --checkpoint-dir "$WORK/checkpoints/client-$n" "${TIER[@]}" &
    PIDS+=($!)
done
STATUS=0
for pid in "${PIDS[@]}"; do
    wait "$pid" || { code=$?; [[ $STATUS == 0 ]] && STATUS=$code; }
done
exit "$STATUS"
