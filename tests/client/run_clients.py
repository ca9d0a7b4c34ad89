"""Test support: what a training client sends besides the CLI's commands (joining and witnessing), through the
same chain backend and instruction builders the CLI uses. ``train`` (its own issue) will send these itself."""

from __future__ import annotations

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.open import ChainTarget, open_backend
from client.instructions import coordinator as coordinator_ix
from client.instructions.authorizer import join_authorization_address
from client.run_accounts import fetch_run
from coordinator_program.core import committee_selection
from coordinator_program.core.types import NodeIdentity, WitnessProof

__all__ = ["join", "witness"]


async def join(target: ChainTarget, client: Keypair, run_id: str, authorizer: Pubkey) -> None:
    """``join_run`` with the authorization that ``run_id``'s join authority gave ``authorizer``."""
    async with open_backend(target) as backend:
        run = await fetch_run(backend, run_id)
        authorization = join_authorization_address(run.instance.join_authority, authorizer)
        identity = NodeIdentity.from_keys(bytes(client.pubkey()), bytes(32))
        await backend.send([coordinator_ix.join_run(client.pubkey(), authorization, run.keys, identity)], client)


async def witness(target: ChainTarget, client: Keypair, run_id: str) -> None:
    """Witness the current round as ``client``, which must be elected."""
    async with open_backend(target) as backend:
        run = await fetch_run(backend, run_id)
        coordinator = run.account.state.coordinator
        signers = [bytes(c.id.signer) for c in coordinator.epoch_state.clients]
        index = signers.index(bytes(client.pubkey()))
        position, elected = committee_selection(coordinator, 0).get_witness(index)
        assert elected, "this client is not a witness of the round"
        proof = WitnessProof(position=position, index=index, witness=1)
        await backend.send([coordinator_ix.witness(client.pubkey(), run.keys, proof)], client)
