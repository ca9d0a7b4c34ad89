#!/usr/bin/env bash
# Authorize a key to join the runs of a join authority: create the authorization, then activate it.
# The reference's script of the same name and arguments, as a thin wrapper around psyche-solana-client.
#
#   scripts/join-authorization-create.sh <SOLANA_RPC> <GRANTOR_KEYPAIR_FILE> <GRANTEE_PUBKEY>
#
# SOLANA_RPC is a URL, a moniker (localhost, devnet, ...) or "embedded" (the ledger in $PSYCHE_LEDGER).
# GRANTEE_PUBKEY 11111111111111111111111111111111 lets anyone join. $PSYCHE_SOLANA_CLIENT overrides the command.
set -euo pipefail

usage() {
    echo "Usage: $0 <SOLANA_RPC> <GRANTOR_KEYPAIR_FILE> <GRANTEE_PUBKEY>" >&2
    echo "  SOLANA_RPC: the solana RPC url or moniker to use (or \"embedded\")" >&2
    echo "  GRANTOR_KEYPAIR_FILE: the keypair file of the authority that is issuing the authorization" >&2
    echo "  GRANTEE_PUBKEY: the pubkey that is the receiver of the authorization" >&2
    exit 1
}

[[ $# -eq 3 ]] || usage
SOLANA_RPC="$1"
GRANTOR_KEYPAIR_FILE="$2"
GRANTEE_PUBKEY="$3"
if [[ ! -f "$GRANTOR_KEYPAIR_FILE" ]]; then
    echo "Error: Grantor keypair file '$GRANTOR_KEYPAIR_FILE' not found." >&2
    usage
fi

read -r -a CLIENT <<< "${PSYCHE_SOLANA_CLIENT:-psyche-solana-client}"
exec "${CLIENT[@]}" join-authorization-create \
    --rpc "$SOLANA_RPC" \
    --wallet-private-key-path "$GRANTOR_KEYPAIR_FILE" \
    --authorizer "$GRANTEE_PUBKEY"
