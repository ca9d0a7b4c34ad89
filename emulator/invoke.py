"""Executing instructions: the invoke context programs see, CPI, and the checks after each frame.

Every frame snapshots its accounts on entry and, when the program returns, checks the changes
against the program id and the frame's privileges, as Agave's ``PreAccount::verify`` does. On a
CPI the caller's changes so far are checked first and its snapshot re-based afterwards, so a
callee's legitimate changes (a System transfer out of a PDA, say) are never charged to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from solders.clock import Clock
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.rent import Rent

from emulator.account import Account, AccountInfo
from emulator.constants import MAX_CPI_DEPTH, MAX_PERMITTED_DATA_INCREASE, MAX_SEED_LEN, MAX_SEEDS
from emulator.errors import InstructionErrorFieldless, InstructionFailure, ProgramError, instruction_error_message
from emulator.logs import LogCollector
from emulator.program import ProgramSpec

logger = logging.getLogger(__name__)

MAX_RETURN_DATA = 1024
# Agave charges this many units for each CPI.
INVOKE_UNITS = 946


@dataclass(slots=True)
class _PreAccount:
    """An account as a frame found it. ``data`` is None where the frame may rewrite the data at will (its program
    owns the account, which is writable and not executable): only the length is checked then, so the bytes are not
    copied (the coordinator's account is 119 kB, and every instruction of a run writes it)."""

    lamports: int
    data: bytes | None
    data_len: int
    owner: Pubkey
    executable: bool
    rent_epoch: int

    @classmethod
    def of(cls, account: Account, program_id: Pubkey, writable: bool) -> _PreAccount:
        free = account.owner == program_id and writable and not account.executable
        data = None if free else bytes(account.data)
        return cls(account.lamports, data, len(account.data), account.owner, account.executable, account.rent_epoch)


class ComputeMeter:
    """The transaction's compute budget, shared by every frame."""

    __slots__ = ("limit", "remaining")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.remaining = limit

    def consume(self, units: int) -> None:
        if units > self.remaining:
            self.remaining = 0
            raise InstructionFailure(InstructionErrorFieldless.ComputationalBudgetExceeded)
        self.remaining -= units

    @property
    def used(self) -> int:
        return self.limit - self.remaining


class TransactionContext:
    """What every frame of one transaction shares: programs, sysvars, logs, compute and return data."""

    def __init__(
        self,
        programs: dict[Pubkey, ProgramSpec],
        clock: Clock,
        rent: Rent,
        meter: ComputeMeter,
        logs: LogCollector,
    ) -> None:
        self.programs = programs
        self.clock = clock
        self.rent = rent
        self.meter = meter
        self.logs = logs
        self.return_data: tuple[Pubkey, bytes] | None = None
        self.program_stack: list[Pubkey] = []
        # Every CPI as it was invoked, for ``meta.innerInstructions``: (top-level index, callee, account keys,
        # data, stack height). One append per CPI; the bank turns keys into indices only when there are any.
        self.instruction_index = 0
        self.invoked: list[tuple[int, Pubkey, list[Pubkey], bytes, int]] = []


class Frame:
    """One program invocation: the :class:`emulator.program.InvokeContext` its program receives."""

    def __init__(self, tx: TransactionContext, spec: ProgramSpec, infos: list[AccountInfo]) -> None:
        self._tx = tx
        self._spec = spec
        self.infos = infos
        self._unique = _unique_infos(infos)
        self._pre = self._snapshot()

    def _snapshot(self) -> dict[Pubkey, _PreAccount]:
        program_id = self._spec.program_id
        return {key: _PreAccount.of(info.account, program_id, info.is_writable) for key, info in self._unique.items()}

    # -- InvokeContext ------------------------------------------------------------------
    @property
    def program_id(self) -> Pubkey:
        return self._spec.program_id

    @property
    def stack_height(self) -> int:
        return len(self._tx.program_stack)

    @property
    def clock(self) -> Clock:
        return self._tx.clock

    @property
    def rent(self) -> Rent:
        return self._tx.rent

    def log(self, message: str) -> None:
        self._tx.logs.program_log(message)

    def runtime_message(self, message: str) -> None:
        self._tx.logs.append(message)

    def log_data(self, *chunks: bytes) -> None:
        self._tx.logs.program_data(chunks)

    def consume_units(self, units: int) -> None:
        self._tx.meter.consume(units)

    def set_return_data(self, data: bytes) -> None:
        if len(data) > MAX_RETURN_DATA:
            raise InstructionFailure(InstructionErrorFieldless.InvalidArgument, "return data too large")
        self._tx.return_data = (self.program_id, bytes(data))

    def get_return_data(self) -> tuple[Pubkey, bytes] | None:
        return self._tx.return_data

    def invoke(self, instruction: Instruction, signer_seeds: Sequence[Sequence[bytes]] = ()) -> None:
        tx = self._tx
        tx.meter.consume(INVOKE_UNITS)
        if self.stack_height > MAX_CPI_DEPTH:
            raise InstructionFailure(InstructionErrorFieldless.CallDepth)
        callee_id = instruction.program_id
        if callee_id not in self._unique:
            tx.logs.append(f"Unknown program {callee_id}")
            raise InstructionFailure(InstructionErrorFieldless.MissingAccount)
        if callee_id in tx.program_stack and tx.program_stack[-1] != callee_id:
            raise InstructionFailure(InstructionErrorFieldless.ReentrancyNotAllowed)
        signers = _signer_pdas(signer_seeds, self.program_id)
        callee_infos = []
        for meta in instruction.accounts:
            caller_info = self._unique.get(meta.pubkey)
            if caller_info is None:
                tx.logs.append(f"Instruction references an unknown account {meta.pubkey}")
                raise InstructionFailure(InstructionErrorFieldless.MissingAccount)
            if meta.is_writable and not caller_info.is_writable:
                tx.logs.append(f"{meta.pubkey}'s writable privilege escalated")
                raise InstructionFailure(InstructionErrorFieldless.PrivilegeEscalation)
            if meta.is_signer and not (caller_info.is_signer or meta.pubkey in signers):
                tx.logs.append(f"{meta.pubkey}'s signer privilege escalated")
                raise InstructionFailure(InstructionErrorFieldless.PrivilegeEscalation)
            callee_infos.append(AccountInfo(meta.pubkey, meta.is_signer, meta.is_writable, caller_info.account))
        spec = tx.programs.get(callee_id)
        if spec is None or not self._unique[callee_id].executable:
            raise InstructionFailure(InstructionErrorFieldless.AccountNotExecutable)
        self.verify()
        tx.return_data = None
        data = bytes(instruction.data)
        keys = [info.key for info in callee_infos]
        tx.invoked.append((tx.instruction_index, callee_id, keys, data, len(tx.program_stack) + 1))
        run_frame(tx, spec, callee_infos, data)
        self._pre = self._snapshot()

    # -- checks -------------------------------------------------------------------------
    def verify(self) -> None:
        """Check this frame's changes against its program id and privileges (Agave's order of checks)."""
        program_id = self.program_id
        builtin = self._spec.builtin
        pre_total = post_total = 0
        for key, info in self._unique.items():
            pre = self._pre[key]
            post = info.account
            pre_total += pre.lamports
            post_total += post.lamports
            owned = pre.owner == program_id
            writable = info.is_writable
            if post.owner != pre.owner and not (owned and writable and not pre.executable and not any(post.data)):
                raise InstructionFailure(InstructionErrorFieldless.ModifiedProgramId)
            if post.lamports < pre.lamports and not owned:
                raise InstructionFailure(InstructionErrorFieldless.ExternalAccountLamportSpend)
            if post.lamports != pre.lamports:
                if not writable:
                    raise InstructionFailure(InstructionErrorFieldless.ReadonlyLamportChange)
                if pre.executable:
                    raise InstructionFailure(InstructionErrorFieldless.ExecutableLamportChange)
            if len(post.data) != pre.data_len:
                if not owned:
                    raise InstructionFailure(InstructionErrorFieldless.AccountDataSizeChanged)
                if not builtin and len(post.data) - pre.data_len > MAX_PERMITTED_DATA_INCREASE:
                    raise InstructionFailure(InstructionErrorFieldless.InvalidRealloc)
            if pre.data is not None and post.data != pre.data:  # None: owned, writable, not executable
                if pre.executable:
                    raise InstructionFailure(InstructionErrorFieldless.ExecutableDataModified)
                if writable:
                    raise InstructionFailure(InstructionErrorFieldless.ExternalAccountDataModified)
                raise InstructionFailure(InstructionErrorFieldless.ReadonlyDataModified)
            if post.executable != pre.executable:
                raise InstructionFailure(InstructionErrorFieldless.ExecutableModified)
            if post.rent_epoch != pre.rent_epoch:
                raise InstructionFailure(InstructionErrorFieldless.RentEpochModified)
        if pre_total != post_total:
            raise InstructionFailure(InstructionErrorFieldless.UnbalancedInstruction)


def run_frame(tx: TransactionContext, spec: ProgramSpec, infos: list[AccountInfo], data: bytes) -> None:
    """Invoke ``spec`` with its log frame, compute accounting and post-checks; raise on failure."""
    program_id = spec.program_id
    tx.program_stack.append(program_id)
    tx.logs.invoke(program_id, len(tx.program_stack))
    available = tx.meter.remaining
    try:
        frame = Frame(tx, spec, infos)
        tx.meter.consume(spec.base_units)
        try:
            spec.entrypoint(frame, infos, data)
        except ProgramError:
            raise
        except Exception as exc:  # a bug in a Python program is a panic on chain, not a crash of the runtime
            logger.exception("program %s panicked", spec.name)
            tx.logs.program_log(f"panicked: {type(exc).__name__}: {exc}")
            raise InstructionFailure(InstructionErrorFieldless.ProgramFailedToComplete) from exc
        if not spec.builtin and tx.return_data is not None and tx.return_data[0] == program_id:
            tx.logs.program_return(program_id, tx.return_data[1])
        frame.verify()
    except ProgramError as err:
        if not spec.builtin:
            tx.logs.consumed(program_id, available - tx.meter.remaining, available)
        tx.logs.failure(program_id, instruction_error_message(err.as_instruction_error()))
        raise
    finally:
        tx.program_stack.pop()
    if not spec.builtin:
        tx.logs.consumed(program_id, available - tx.meter.remaining, available)
    tx.logs.success(program_id)


def _unique_infos(infos: list[AccountInfo]) -> dict[Pubkey, AccountInfo]:
    """One info per key; a duplicated account keeps the union of its privileges, as in the runtime."""
    unique: dict[Pubkey, AccountInfo] = {}
    for info in infos:
        seen = unique.get(info.key)
        if seen is None:
            unique[info.key] = info
        elif (info.is_signer and not seen.is_signer) or (info.is_writable and not seen.is_writable):
            unique[info.key] = AccountInfo(
                info.key, info.is_signer or seen.is_signer, info.is_writable or seen.is_writable, info.account
            )
    return unique


def _signer_pdas(signer_seeds: Sequence[Sequence[bytes]], program_id: Pubkey) -> set[Pubkey]:
    signers = set()
    for seeds in signer_seeds:
        if len(seeds) > MAX_SEEDS or any(len(seed) > MAX_SEED_LEN for seed in seeds):
            raise InstructionFailure(InstructionErrorFieldless.MaxSeedLengthExceeded)
        try:
            signers.add(Pubkey.create_program_address([bytes(seed) for seed in seeds], program_id))
        except Exception as exc:  # solders raises a plain error for an on-curve result
            raise InstructionFailure(InstructionErrorFieldless.InvalidSeeds) from exc
    return signers
