"""Setting the testnet up: funded keypairs on disk, the run created from a config, clients authorized, run resumed.

Every step is a signed transaction through the same library functions the CLI uses, over JSON-RPC, so the
testnet exercises exactly what a run owner does by hand. Keypairs are solana-keygen JSON files under
``<work dir>/keys`` so the client processes (and the user) can use them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.backend import ChainBackend
from client.instructions import authorizer as authorizer_ix
from client.instructions import token as token_ix
from client.run_owner import RunChanges, apply_changes, create_run
from coordinator_program.core.types import LLMTrainingDataLocationTag
from formats.run_config import load_run_config

__all__ = ["TestnetRun", "RewardSettings", "prepare_run", "write_keypair"]

OWNER_LAMPORTS = 100 * 10**9
CLIENT_LAMPORTS = 10 * 10**9
COLLATERAL_DECIMALS = 6


@dataclass(frozen=True)
class RewardSettings:
    """A treasurer run: an SPL mint made for the testnet, the vault funded with ``funding`` base units."""

    earning_rate: int
    funding: int


@dataclass(frozen=True)
class TestnetRun:
    run_id: str
    owner: Keypair
    clients: list[Keypair]
    key_files: list[Path]  # the clients' keypair files, in client order
    treasurer_index: int | None
    collateral_mint: Pubkey | None
    data_dir: Path | None = None  # the run's Local token files (None for other data locations)


def write_keypair(keypair: Keypair, path: Path) -> Path:
    """A solana-keygen file: the 64 bytes as a JSON array."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(bytes(keypair))))
    return path


async def prepare_run(
    backend: ChainBackend,
    work_dir: Path,
    config_path: Path,
    num_clients: int,
    *,
    run_id: str = "testnet",
    rewards: RewardSettings | None = None,
) -> TestnetRun:
    """Create, configure, authorize and resume a run for ``num_clients`` fresh clients."""
    run_config = load_run_config(config_path)  # refused before anything is sent when invalid
    owner = Keypair()
    clients = [Keypair() for _ in range(num_clients)]
    keys_dir = work_dir / "keys"
    write_keypair(owner, keys_dir / "owner.json")
    # Named as the clients are (client-1 .. client-N), so client-2.json is client-2's key.
    key_files = [write_keypair(client, keys_dir / f"client-{i + 1}.json") for i, client in enumerate(clients)]
    await backend.request_airdrop(owner.pubkey(), OWNER_LAMPORTS)
    for client in clients:
        await backend.request_airdrop(client.pubkey(), CLIENT_LAMPORTS)

    mint = await _collateral_mint(backend, owner, rewards.funding) if rewards is not None else None
    created = await create_run(backend, owner, run_id, "test", collateral_mint=mint)
    index = created.treasurer_index if mint is not None else None
    if rewards is not None and mint is not None and created.treasurer_run is not None:
        vault = token_ix.associated_token_address(created.treasurer_run, mint)
        owner_tokens = token_ix.associated_token_address(owner.pubkey(), mint)
        await backend.send([token_ix.transfer(owner_tokens, vault, owner.pubkey(), rewards.funding)], owner)
    await apply_changes(backend, owner, run_id, index, RunChanges(config=run_config.config, model=run_config.model))
    for client in clients:
        address = authorizer_ix.join_authorization_address(owner.pubkey(), client.pubkey())
        await backend.send(
            [
                authorizer_ix.authorization_create(owner.pubkey(), owner.pubkey(), client.pubkey()),
                authorizer_ix.authorization_grantor_update(owner.pubkey(), address, True),
            ],
            owner,
        )
    start = RunChanges(earning_rate=rewards.earning_rate if rewards is not None else None, paused=False)
    await apply_changes(backend, owner, run_id, index, start)
    location = run_config.model.llm.data_location
    data_dir = Path(location.variant().value) if location.kind is LLMTrainingDataLocationTag.Local else None
    return TestnetRun(run_id, owner, clients, key_files, index, mint, data_dir)


async def _collateral_mint(backend: ChainBackend, owner: Keypair, supply: int) -> Pubkey:
    """A fresh mint whose whole ``supply`` sits in the owner's associated token account."""
    mint = Keypair()
    lamports = await backend.minimum_balance_for_rent_exemption(token_ix.MINT_SIZE)
    account = token_ix.associated_token_address(owner.pubkey(), mint.pubkey())
    instructions = [
        *token_ix.create_mint(owner.pubkey(), mint.pubkey(), lamports, COLLATERAL_DECIMALS, owner.pubkey()),
        token_ix.create_associated_token_account(owner.pubkey(), owner.pubkey(), mint.pubkey()),
        token_ix.mint_to(mint.pubkey(), account, owner.pubkey(), supply),
    ]
    await backend.send(instructions, owner, [mint])
    return mint.pubkey()
