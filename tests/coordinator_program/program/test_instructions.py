"""Per-instruction rules of spec §7.2 that the scenarios do not reach: errors, quirks, nonce bumps."""

from __future__ import annotations

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.core.types import CoordinatorProgress, RunState, WitnessProof
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, RunMetadata
from emulator.anchor import ErrorCode
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import CoordinatorChain, panicked, scenario_settings


def running_chain() -> tuple[CoordinatorChain, Keypair]:
    """A run in Warmup with one client (room for 4)."""
    chain = CoordinatorChain()
    chain.setup(batch_end=4)
    client = Keypair()
    authorization = chain.authorize(client)
    assert chain.set_paused(False).err is None
    assert chain.join(client, authorization).err is None
    chain.forward(10)
    assert chain.tick().err is None
    assert RunState(chain.coordinator().run_state) is RunState.Warmup
    return chain, client


def test_run_id_over_32_bytes_panics_deriving_the_pda_before_the_length_check() -> None:
    chain = CoordinatorChain()
    chain.create_coordinator_account()
    result = chain.init(run_id="x" * 33)
    assert panicked(result)
    assert chain.init(run_id="x" * 32).err is None


def test_init_rejects_a_wrong_size_and_an_already_initialized_account() -> None:
    chain = CoordinatorChain()
    chain.create_coordinator_account(size=COORDINATOR_ACCOUNT_SIZE - 1)
    assert custom_error_code(chain.init().err) == CoordinatorProgramError.CoordinatorAccountIncorrectSize
    chain.create_coordinator_account()
    assert chain.init().err is None
    assert custom_error_code(chain.init(run_id="another run").err) == ErrorCode.AccountDiscriminatorAlreadySet


def test_init_truncates_the_client_version_to_96_bytes() -> None:
    chain = CoordinatorChain()
    chain.create_coordinator_account()
    assert chain.init(client_version="v" * 100).err is None
    assert chain.coordinator_account().state.client_version.value == "v" * 96


def test_update_checks_in_the_reference_order() -> None:
    chain, _ = running_chain()
    config, model = scenario_settings()
    assert custom_error_code(chain.update(config=config).err) == CoordinatorProgramError.UpdateConfigNotHalted
    metadata = RunMetadata(num_parameters=7)
    assert chain.update(metadata=metadata).err is None  # metadata changes in any state but Finished
    assert chain.coordinator_account().state.metadata.num_parameters == 7
    assert chain.set_paused(True).err is None
    bad = CoordinatorProgress(step=0)
    assert custom_error_code(chain.update(progress=bad).err) == CoordinatorProgramError.ModelSanityCheckFailed  # sic
    config.epoch_time = 0
    assert custom_error_code(chain.update(config=config).err) == CoordinatorProgramError.ConfigSanityCheckFailed
    model.llm.max_seq_len = 0
    assert custom_error_code(chain.update(model=model).err) == CoordinatorProgramError.ModelSanityCheckFailed


def test_update_bumps_the_nonce_and_update_client_version_does_not() -> None:
    chain = CoordinatorChain()
    chain.setup()
    nonce = chain.coordinator_account().nonce
    assert chain.update_client_version("v2").err is None
    assert chain.coordinator_account().nonce == nonce
    assert chain.coordinator_account().state.client_version.value == "v2"
    assert chain.set_future_epoch_rates(5).err is None
    assert chain.coordinator_account().nonce == nonce + 1


def test_update_client_version_needs_a_halted_run_and_panics_past_96_bytes() -> None:
    chain = CoordinatorChain()
    chain.setup()
    assert panicked(chain.update_client_version("v" * 97))
    chain, _ = running_chain()
    assert custom_error_code(chain.update_client_version("v2").err) == CoordinatorProgramError.UpdateConfigNotHalted


def test_unpause_forces_step_1_and_pause_of_an_uninitialized_run_is_halted() -> None:
    chain = CoordinatorChain()
    chain.setup()
    assert custom_error_code(chain.set_paused(True).err) == CoordinatorProgramError.CoordinatorErrorHalted
    assert chain.update(progress=CoordinatorProgress(epoch=3, step=9, epoch_start_data_index=4)).err is None
    assert chain.set_paused(False).err is None
    progress = chain.coordinator().progress
    assert (progress.epoch, progress.step, progress.epoch_start_data_index) == (3, 1, 4)
    assert custom_error_code(chain.set_paused(False).err) == CoordinatorProgramError.CoordinatorErrorCannotResume


def test_unpause_without_a_config_fails_the_sanity_check() -> None:
    chain = CoordinatorChain()
    chain.create_coordinator_account()
    assert chain.init().err is None
    assert custom_error_code(chain.set_paused(False).err) == CoordinatorProgramError.ConfigSanityCheckFailed


def test_pausing_in_warmup_withdraws_everyone_and_a_paused_run_can_be_freed() -> None:
    chain, _ = running_chain()
    assert custom_error_code(chain.free(Pubkey.new_unique()).err) == CoordinatorProgramError.CloseCoordinatorNotHalted
    assert chain.set_paused(True).err is None
    assert RunState(chain.coordinator().run_state) is RunState.Paused
    assert chain.free(Pubkey.new_unique()).err is None


def test_rates_set_mid_epoch_apply_from_the_next_warmup() -> None:
    chain, client = running_chain()
    assert chain.set_future_epoch_rates(1_000, 3).err is None
    rates = chain.coordinator_account().state.clients_state
    assert (
        rates.current_epoch_rates.earning_rate_total_shared,
        rates.future_epoch_rates.earning_rate_total_shared,
    ) == (
        0,
        1_000,
    )


def test_warmup_witness_and_checkpoint_need_a_registered_client() -> None:
    chain, client = running_chain()
    proof = WitnessProof(position=0, index=0, witness=0)  # the client convention in Warmup
    stranger = Keypair()
    assert custom_error_code(chain.warmup_witness(stranger, proof).err) == CoordinatorProgramError.SignerNotAClient
    assert custom_error_code(chain.permissionless("health_check", stranger, *health_args(client)).err) == (
        CoordinatorProgramError.SignerNotAClient
    )
    assert chain.warmup_witness(client, proof).err is None  # W = 1: training starts with this tx's seed
    assert RunState(chain.coordinator().run_state) is RunState.RoundTrain


def health_args(client: Keypair) -> tuple[object, ...]:
    from coordinator_program.core.types import Committee, NodeIdentity

    return NodeIdentity.from_keys(bytes(client.pubkey()), bytes(32)), Committee.Trainer, 0, 0


def test_health_check_before_height_2_is_invalid() -> None:
    chain, client = running_chain()
    assert chain.warmup_witness(client, WitnessProof(position=0, index=0, witness=0)).err is None
    result = chain.permissionless("health_check", client, *health_args(client))
    assert custom_error_code(result.err) == CoordinatorProgramError.CoordinatorErrorInvalidHealthCheck


def test_checkpoint_from_a_client_outside_the_epoch_is_signer_not_a_client() -> None:
    from coordinator_program.core.types import Checkpoint

    chain, client = running_chain()
    late = Keypair()
    assert chain.join(late, chain.authorize(late)).err is None
    assert (
        custom_error_code(chain.permissionless("checkpoint", late, Checkpoint()).err)
        == CoordinatorProgramError.SignerNotAClient
    )
    assert chain.permissionless("checkpoint", client, Checkpoint()).err is None
