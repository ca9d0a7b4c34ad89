"""``run_update``: the run's human owner changes the coordinator run, which only the Run PDA may do.

Up to four CPIs, each signed by the Run PDA as the coordinator's main authority, always in this order:
``update`` (metadata/config/model/progress), ``set_future_epoch_rates``, ``set_paused``,
``update_client_version``. So one call can configure a halted run and then unpause it, while "pause
and change the config" fails (the update runs first, on a running coordinator: UpdateConfigNotHalted).
With nothing set the call succeeds and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coordinator_program.account_groups import load_coordinator_account, load_instance
from coordinator_program.logic import set_future_epoch_rates, set_paused, update, update_client_version
from coordinator_program.program_id import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from coordinator_program.state.borsh_args import COORDINATOR_CONFIG, COORDINATOR_PROGRESS, MODEL, RUN_METADATA
from emulator.anchor import (
    BOOL,
    STRING,
    U64,
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    Option,
    borsh_field,
    check_program,
    load_account,
)
from emulator.program import InvokeContext
from treasurer.program_id import PROGRAM_ID
from treasurer.state.run import Run

ACCOUNTS = (
    InstructionAccount("authority", signer=True),
    # run.main_authority == authority, run.coordinator_instance == .., run.coordinator_account == .. (ConstraintRaw)
    InstructionAccount("run"),
    InstructionAccount("coordinator_instance"),  # Account<CoordinatorInstance>
    InstructionAccount("coordinator_account", mut=True),  # AccountLoader<CoordinatorAccount>
    InstructionAccount("coordinator_program"),
)


@dataclass(frozen=True)
class RunUpdateParams:
    """Each part is forwarded only when given; the coordinator's types, Borsh-encoded as it decodes them."""

    metadata: Any | None = borsh_field(Option(RUN_METADATA), default=None)  # RunMetadata
    config: Any | None = borsh_field(Option(COORDINATOR_CONFIG), default=None)  # CoordinatorConfig
    model: Any | None = borsh_field(Option(MODEL), default=None)  # Model
    progress: Any | None = borsh_field(Option(COORDINATOR_PROGRESS), default=None)  # CoordinatorProgress
    epoch_earning_rate_total_shared: int | None = borsh_field(Option(U64), default=None)
    epoch_slashing_rate_per_client: int | None = borsh_field(Option(U64), default=None)
    paused: bool | None = borsh_field(Option(BOOL), default=None)
    client_version: str | None = borsh_field(Option(STRING), default=None)


def _forwarded_calls(params: RunUpdateParams) -> list[tuple[Instruction, tuple[Any, ...]]]:
    """The coordinator instructions ``params`` asks for, with their arguments, in the reference's order."""
    calls: list[tuple[Instruction, tuple[Any, ...]]] = []
    if any(part is not None for part in (params.metadata, params.config, params.model, params.progress)):
        calls.append((update.INSTRUCTION, (params.metadata, params.config, params.model, params.progress)))
    if params.epoch_earning_rate_total_shared is not None or params.epoch_slashing_rate_per_client is not None:
        rates = (params.epoch_earning_rate_total_shared, params.epoch_slashing_rate_per_client)
        calls.append((set_future_epoch_rates.INSTRUCTION, rates))
    if params.paused is not None:
        calls.append((set_paused.INSTRUCTION, (params.paused,)))
    if params.client_version is not None:
        calls.append((update_client_version.INSTRUCTION, (params.client_version,)))
    return calls


def run_update(ctx: InvokeContext, accounts: Accounts, params: RunUpdateParams) -> None:
    """Accounts are loaded first (owner and discriminator errors), then the run's constraints are checked."""
    run = load_account(accounts.run, Run, PROGRAM_ID)
    load_instance(ctx, accounts.coordinator_instance)
    load_coordinator_account(ctx, accounts.coordinator_account)
    check_program(accounts.coordinator_program, COORDINATOR_PROGRAM_ID)
    if run.main_authority != accounts.authority.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="run")
    if run.coordinator_instance != accounts.coordinator_instance.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="run")
    if run.coordinator_account != accounts.coordinator_account.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="run")

    keys = {
        "authority": accounts.run.key,
        "coordinator_instance": accounts.coordinator_instance.key,
        "coordinator_account": accounts.coordinator_account.key,
    }
    for instruction, args in _forwarded_calls(params):
        ctx.invoke(instruction.build(COORDINATOR_PROGRAM_ID, keys, *args), [run.signer_seeds()])


RUN_UPDATE = Instruction("run_update", ACCOUNTS, {"params": RunUpdateParams}, run_update)
