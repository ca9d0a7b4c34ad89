#!/usr/bin/env bash
# Replace the delegates of a grantee's join authorization with the keys of the given keypair files (clearing
# the current ones first, as the reference's script did). Same name and arguments as the reference's script.
#
#   scripts/join-authorization-set-delegates.sh <SOLANA_RPC> <GRANTOR_PUBKEY> <GRANTEE_KEYPAIR_FILE> \
#       [DELEGATES_KEYPAIR_FILES...]
#
# SOLANA_RPC is a URL, a moniker (localhost, devnet, ...) or "embedded" (the ledger in $PSYCHE_LEDGER).
# $PSYCHE_SOLANA_CLIENT overrides the command.
set -euo pipefail

usage() {
    echo "Usage: $0 <SOLANA_RPC> <GRANTOR_PUBKEY> <GRANTEE_KEYPAIR_FILE> [DELEGATES_KEYPAIR_FILES...]" >&2
    echo "  SOLANA_RPC: the solana RPC url or moniker to use (or \"embedded\")" >&2
    echo "  GRANTOR_PUBKEY: the authority pubkey that issued the authorization" >&2
    echo "  GRANTEE_KEYPAIR_FILE: the keypair that is the receiver of the authorization" >&2
    echo "  DELEGATES_KEYPAIR_FILES: keypair files whose keys become the delegates" >&2
    exit 1
}

[[ $# -ge 3 ]] || usage
SOLANA_RPC="$1"
GRANTOR_PUBKEY="$2"
GRANTEE_KEYPAIR_FILE="$3"
shift 3
if [[ ! -f "$GRANTEE_KEYPAIR_FILE" ]]; then
    echo "Error: Grantee keypair file '$GRANTEE_KEYPAIR_FILE' not found." >&2
    usage
fi

read -r -a CLIENT <<< "${PSYCHE_SOLANA_CLIENT:-psyche-solana-client}"
DELEGATES=()
for keypair_file in "$@"; do
    DELEGATES+=("$("${CLIENT[@]}" keygen pubkey "$keypair_file")")
done

exec "${CLIENT[@]}" join-authorization-set-delegates \
    --rpc "$SOLANA_RPC" \
    --wallet-private-key-path "$GRANTEE_KEYPAIR_FILE" \
    --join-authority "$GRANTOR_PUBKEY" \
    --delegates-clear \
    ${DELEGATES[@]+--delegates-added "${DELEGATES[@]}"}
