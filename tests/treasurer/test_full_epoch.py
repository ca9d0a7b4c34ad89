"""Scenario T3 (``memnet_treasurer_full_epoch``, coordinator spec §8 scenario 5): a treasurer run trains one
epoch with 11 delegated clients, then pays each its share from a vault topped up by a plain SPL transfer."""

from __future__ import annotations

from solders.keypair import Keypair

from emulator.anchor import ErrorCode
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import scenario_settings
from tests.treasurer.harness import TreasurerChain, end_cooldown, train_until_cooldown
from treasurer.errors import TreasurerError
from treasurer.logic.run_update import RunUpdateParams

CLIENTS = 11
EARNING_RATE = 888_888_888_888_888
PER_CLIENT = EARNING_RATE // CLIENTS
TOP_UP = 999_999_999_999_999
SPL_INSUFFICIENT_FUNDS = 1


def test_t3_full_epoch_then_claims() -> None:
    chain = TreasurerChain()
    clients = [Keypair() for _ in range(CLIENTS)]
    participant_master, main_authority, join_authority = Keypair(), Keypair(), Keypair()
    mint = chain.new_mint()
    main_ata = chain.new_ata(mint, main_authority.pubkey())
    chain.mint_to(mint, main_ata, 1_000_000_000_000_000)
    result, run = chain.run_create(
        42, "my run id", mint, chain.create_coordinator_account(), main_authority.pubkey(), join_authority
    )
    assert result.err is None
    assert chain.transfer_tokens(main_ata, run.vault, main_authority, 1).err is None
    client_atas = [chain.new_ata(mint, client.pubkey()) for client in clients]
    for client in clients:
        assert chain.participant_create(run.key, client).err is None

    # T3.1
    assert chain.claim_on(run, clients[0], 0, client_atas[0]).err is None
    assert custom_error_code(chain.claim_on(run, clients[0], 0, client_atas[1]).err) == ErrorCode.ConstraintRaw

    # T3.2 config, model, rate and unpause in one run_update
    config, model = scenario_settings(cooldown_time=42, witness_nodes=0, batch_end=CLIENTS, extra_time=3)
    params = RunUpdateParams(config=config, model=model, epoch_earning_rate_total_shared=EARNING_RATE, paused=False)
    assert chain.run_update(run, main_authority, params).err is None

    # T3.3-T3.4 one authorization for the participant master; the clients join as its delegates
    coordinator = run.coordinator
    authorization = coordinator.authorize(participant_master, delegates=[client.pubkey() for client in clients])
    for client in clients:
        assert coordinator.join(client, authorization).err is None

    # T3.5 warmup and four witnessed rounds
    train_until_cooldown(run, clients)

    # T3.6 before the cooldown ends nothing is earned; the coordinator instance is no Run
    instance_as_run = chain.claim(
        clients[0],
        1,
        user_collateral=client_atas[0],
        run=run.coordinator_instance,
        vault=run.vault,
        coordinator_account=run.coordinator_account,
    )
    assert custom_error_code(instance_as_run.err) == ErrorCode.AccountOwnedByWrongProgram
    assert custom_error_code(chain.claim_on(run, clients[0], 1, client_atas[0]).err) == TreasurerError.InvalidParameter

    # T3.7 epoch end: every client earned its share, but the vault holds 1
    end_cooldown(run, 42)
    earned = [client.earned for client in coordinator.coordinator_account().state.clients_state.clients]
    assert earned == [PER_CLIENT] * CLIENTS == [80_808_080_808_080] * CLIENTS
    short = chain.claim_on(run, clients[0], PER_CLIENT, client_atas[0])
    assert custom_error_code(short.err) == SPL_INSUFFICIENT_FUNDS
    assert chain.participant_state(run.key, clients[0].pubkey()).claimed_earned_points == 0

    # T3.8 anyone may top up with a plain transfer
    assert chain.transfer_tokens(main_ata, run.vault, main_authority, TOP_UP).err is None

    # T3.9
    for client, ata in zip(clients, client_atas, strict=True):
        assert chain.claim_on(run, client, PER_CLIENT, ata).err is None
    assert custom_error_code(chain.claim_on(run, clients[0], 1, client_atas[0]).err) == TreasurerError.InvalidParameter

    # T3.10
    assert [chain.balance(ata) for ata in client_atas] == [PER_CLIENT] * CLIENTS
    assert chain.balance(run.vault) == 1 + TOP_UP - CLIENTS * PER_CLIENT == 111_111_111_111_120
    stored = chain.run_state(run.key)
    assert stored.total_claimed_collateral_amount == stored.total_claimed_earned_points == CLIENTS * PER_CLIENT
    participant = chain.participant_state(run.key, clients[0].pubkey())
    assert participant.claimed_collateral_amount == participant.claimed_earned_points == PER_CLIENT
