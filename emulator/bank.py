"""The bank: accounts, programs, blocks and the transaction pipeline of a Solana-style runtime.

Its public surface mirrors LiteSVM (``send_transaction``, ``simulate_transaction``, ``airdrop``,
``get_account``, ``set_account``, ``warp_to_slot``...). A transaction goes through the checks in
Agave's order: sanitize, signatures, blockhash age, status cache, compute budget, fee payer, program
accounts; then its instructions run on copies of the accounts, and only a successful transaction
commits them. A transaction that fails after the fee checks still pays its fee.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Sequence

from solders.account import Account as SoldersAccount
from solders.clock import Clock
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rent import Rent
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import (
    InstructionErrorFieldless,
    TransactionErrorDuplicateInstruction,
    TransactionErrorFieldless,
    TransactionErrorType,
)

from emulator.account import Account, AccountInfo
from emulator.clock import ManualClock
from emulator.compute_budget import ComputeBudget, InvalidComputeBudget, compute_budget_of
from emulator.constants import (
    BPF_LOADER_2_ID,
    LAMPORTS_PER_SOL,
    MAX_PROCESSING_AGE,
    NATIVE_LOADER_ID,
    SLOTS_PER_EPOCH,
    SYSTEM_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
)
from emulator.errors import ProgramError, instruction_error, rent_error
from emulator.invoke import ComputeMeter, TransactionContext, run_frame
from emulator.ledger import BlockInfo, InMemoryLedgerStore, LedgerStore
from emulator.logs import LogCollector
from emulator.message import AnyTransaction, ResolvedMessage, resolve_message
from emulator.program import ProgramSpec
from emulator.rent_state import RentState, rent_state_of, rent_transition_allowed
from emulator.results import InnerInstruction, TransactionRecord, TransactionResult
from emulator.sysvars import DEFAULT_RENT, clock_bytes, rent_bytes, sysvar_account
from emulator.token_balances import TokenBalance, token_balances

CLOCK_SYSVAR_ID = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
RENT_SYSVAR_ID = Pubkey.from_string("SysvarRent111111111111111111111111111111111")
# The faucet's key is derived from a fixed seed so a persisted ledger can airdrop after a restart.
FAUCET_KEYPAIR = Keypair.from_seed(hashlib.sha256(b"psyche-sim faucet").digest())
FAUCET_LAMPORTS = 500_000_000 * LAMPORTS_PER_SOL
GENESIS_HASH = Hash(hashlib.sha256(b"psyche-sim genesis").digest())


class Bank:
    """An in-process Solana runtime. Thread-safe: one transaction executes at a time."""

    def __init__(
        self,
        programs: Iterable[ProgramSpec] | None = None,
        *,
        ledger: LedgerStore | None = None,
        clock: ManualClock | None = None,
        rent: Rent = DEFAULT_RENT,
        sigverify: bool = True,
    ) -> None:
        """``sigverify=False`` accepts transactions without checking their ed25519 signatures, as LiteSVM's
        ``with_sigverify(false)`` does: for simulations whose parties are all in-process. The status cache still
        refuses a signature it has seen. A bank that takes transactions from outside keeps the default."""
        from emulator.native import DEFAULT_PROGRAMS
        from emulator.native.genesis_accounts import GENESIS_ACCOUNTS

        self._lock = threading.RLock()
        self._ledger: LedgerStore = ledger if ledger is not None else InMemoryLedgerStore()
        self._clock = clock if clock is not None else ManualClock()
        self._rent = rent
        self._sigverify = sigverify
        self._programs: dict[Pubkey, ProgramSpec] = {}
        self._builtin_ids: set[Pubkey] = set()
        self._accounts: dict[Pubkey, Account] = dict(self._ledger.accounts())
        self._blocks: deque[BlockInfo] = deque(
            self._ledger.recent_blocks(MAX_PROCESSING_AGE + 1), maxlen=MAX_PROCESSING_AGE + 1
        )
        self._valid_blockhashes: dict[Hash, BlockInfo] = {block.blockhash: block for block in self._blocks}
        self._processed: dict[Signature, Hash] = {}
        # The status cache by blockhash, so a block that expires drops its signatures without a scan of them all.
        self._processed_by_blockhash: dict[Hash, list[Signature]] = {}
        self._resumed = bool(self._blocks)
        if not self._blocks:
            now = self._clock.now()
            self._produce_block(now.slot, now.unix_timestamp, GENESIS_HASH)
        genesis_writes: dict[Pubkey, Account | None] = {}
        for spec in [*DEFAULT_PROGRAMS, *(programs or ())]:
            genesis_writes.update(self._register(spec))
        for key, account in GENESIS_ACCOUNTS:
            if key not in self._accounts:
                genesis_writes[key] = account.copy()
        if FAUCET_KEYPAIR.pubkey() not in self._accounts:
            genesis_writes[FAUCET_KEYPAIR.pubkey()] = Account(FAUCET_LAMPORTS)
        genesis_writes[RENT_SYSVAR_ID] = sysvar_account(rent_bytes(rent), rent)
        self._accounts.update({key: account for key, account in genesis_writes.items() if account is not None})
        self._refresh_clock_sysvar()
        self._ledger.commit(genesis_writes, None)

    # -- programs ---------------------------------------------------------------------
    def add_program(self, spec: ProgramSpec) -> None:
        with self._lock:
            writes = self._register(spec)
            self._accounts.update({key: account for key, account in writes.items() if account is not None})
            self._ledger.commit(writes, None)

    def _register(self, spec: ProgramSpec) -> dict[Pubkey, Account | None]:
        self._programs[spec.program_id] = spec
        if spec.builtin:
            self._builtin_ids.add(spec.program_id)
        if spec.program_id in self._accounts:
            return {}
        loader = NATIVE_LOADER_ID if spec.builtin else BPF_LOADER_2_ID
        data = bytearray(spec.name.encode()) if spec.builtin else bytearray()
        # Builtins hold 1 lamport on a real cluster; loaded programs are rent-exempt for their data.
        lamports = 1 if spec.builtin else self._rent.minimum_balance(len(data))
        account = Account(max(1, lamports), data, loader, True, 0)
        return {spec.program_id: account}

    @property
    def programs(self) -> dict[Pubkey, ProgramSpec]:
        return dict(self._programs)

    # -- accounts ---------------------------------------------------------------------
    def get_account(self, pubkey: Pubkey) -> SoldersAccount | None:
        with self._lock:
            account = self._stored(pubkey)
            return account.to_solders() if account is not None else None

    def get_account_data(self, pubkey: Pubkey) -> bytearray | None:
        """A copy of an account's data alone: one copy of the bytes, where ``get_account`` builds a whole solders
        account (the simulator reads the 119 kB coordinator account after every transaction)."""
        with self._lock:
            account = self._stored(pubkey)
            return bytearray(account.data) if account is not None else None

    def shared_account_data(self, pubkey: Pubkey) -> bytearray | None:
        """The bank's own bytes of an account, not a copy, for a reader that never writes them.

        They keep the state they had when read: the bank never writes a stored account in place (a transaction runs
        on copies of its accounts and commits by putting the copies in their place), so a later transaction leaves
        them as they were. The simulator reads the 119 kB coordinator account after every transaction this way.
        Writing to them would change the bank's state behind its back.
        """
        with self._lock:
            account = self._stored(pubkey)
            return account.data if account is not None else None

    def _stored(self, pubkey: Pubkey) -> Account | None:
        if pubkey == CLOCK_SYSVAR_ID:  # a bank on the wall clock must not hand out a stale clock
            self._sync_wall_clock()
        return self._accounts.get(pubkey)

    def get_balance(self, pubkey: Pubkey) -> int:
        with self._lock:
            account = self._accounts.get(pubkey)
            return account.lamports if account is not None else 0

    def set_account(self, pubkey: Pubkey, account: SoldersAccount) -> None:
        """Write an account directly (tests, genesis files); a zero-lamport account is removed."""
        with self._lock:
            if account.lamports == 0:
                self._accounts.pop(pubkey, None)
                self._ledger.commit({pubkey: None}, None)
                return
            stored = Account.from_solders(account)
            self._accounts[pubkey] = stored
            self._ledger.commit({pubkey: stored}, None)

    def accounts_owned_by(self, owner: Pubkey) -> list[tuple[Pubkey, SoldersAccount]]:
        with self._lock:
            return [(key, acc.to_solders()) for key, acc in self._accounts.items() if acc.owner == owner]

    def minimum_balance_for_rent_exemption(self, data_len: int) -> int:
        return int(self._rent.minimum_balance(data_len))

    @property
    def rent(self) -> Rent:
        return self._rent

    @property
    def ledger(self) -> LedgerStore:
        return self._ledger

    @property
    def faucet(self) -> Pubkey:
        return FAUCET_KEYPAIR.pubkey()

    # -- time and blocks --------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        with self._lock:
            self._sync_wall_clock()
            now = self._clock.now()
            return Clock(now.slot, self._genesis_timestamp(), now.epoch, now.epoch + 1, now.unix_timestamp)

    @property
    def slot(self) -> int:
        return int(self.clock.slot)

    @property
    def block_height(self) -> int:
        with self._lock:
            self._sync_wall_clock()
            return self._blocks[-1].block_height

    def latest_blockhash(self) -> Hash:
        with self._lock:
            self._sync_wall_clock()
            return self._blocks[-1].blockhash

    def latest_block(self) -> BlockInfo:
        with self._lock:
            self._sync_wall_clock()
            return self._blocks[-1]

    def is_blockhash_valid(self, blockhash: Hash) -> bool:
        with self._lock:
            self._sync_wall_clock()
            return blockhash in self._valid_blockhashes

    def last_valid_block_height(self) -> int:
        return self.block_height + MAX_PROCESSING_AGE

    def expire_blockhash(self) -> None:
        """Produce a new block one slot later, so the next transactions get a fresh blockhash."""
        with self._lock:
            now = self._clock.now()
            self._clock.set_slot(now.slot + 1)
            self._produce_block(now.slot, now.unix_timestamp)

    advance_slot = expire_blockhash

    def warp_to_slot(self, slot: int) -> None:
        with self._lock:
            now = self._clock.now()
            if slot < now.slot:
                raise ValueError(f"cannot warp back from slot {now.slot} to {slot}")
            self._clock.set_slot(slot)
            self._produce_block(slot, now.unix_timestamp)

    def set_unix_timestamp(self, unix_timestamp: int) -> None:
        with self._lock:
            self._clock.set_unix_timestamp(unix_timestamp)
            self._refresh_clock_sysvar()

    def forward_unix_timestamp(self, seconds: int) -> None:
        with self._lock:
            self.set_unix_timestamp(self._clock.now().unix_timestamp + seconds)

    def _genesis_timestamp(self) -> int:
        return self._blocks[0].unix_timestamp if self._blocks else 0

    def _sync_wall_clock(self) -> None:
        if not self._clock.follows_wall_clock:
            return
        now = self._clock.now()
        last = self._blocks[-1].slot
        for slot in range(max(last + 1, now.slot - MAX_PROCESSING_AGE), now.slot + 1):
            self._produce_block(slot, now.unix_timestamp)
        self._refresh_clock_sysvar()  # unix time moves within a slot too

    def _produce_block(self, slot: int, unix_timestamp: int, blockhash: Hash | None = None) -> None:
        previous = self._blocks[-1] if self._blocks else None
        if blockhash is None:
            assert previous is not None
            blockhash = Hash(hashlib.sha256(bytes(previous.blockhash) + slot.to_bytes(8, "little")).digest())
        height = previous.block_height + 1 if previous is not None else 0
        block = BlockInfo(slot, height, blockhash, unix_timestamp)
        if len(self._blocks) == self._blocks.maxlen:
            expired = self._blocks[0].blockhash
            del self._valid_blockhashes[expired]
            for signature in self._processed_by_blockhash.pop(expired, ()):
                del self._processed[signature]
        self._blocks.append(block)
        self._valid_blockhashes[blockhash] = block
        self._ledger.record_block(block)
        self._refresh_clock_sysvar()

    def _refresh_clock_sysvar(self) -> None:
        now = self._clock.now()
        clock = Clock(now.slot, self._genesis_timestamp(), now.epoch, now.epoch + 1, now.unix_timestamp)
        self._accounts[CLOCK_SYSVAR_ID] = sysvar_account(clock_bytes(clock), self._rent)

    # -- transactions -----------------------------------------------------------------
    def send_transaction(self, tx: AnyTransaction) -> TransactionResult:
        """Execute and, if it got past the fee checks, commit a transaction. Never raises for a failure."""
        with self._lock:
            self._sync_wall_clock()
            return self._process(tx, commit=True, verify_signatures=self._sigverify, check_blockhash=True)

    def simulate_transaction(
        self,
        tx: AnyTransaction,
        *,
        verify_signatures: bool = False,
        replace_recent_blockhash: bool = False,
    ) -> TransactionResult:
        """Execute without committing; the result carries the post-state of every account of the message."""
        with self._lock:
            self._sync_wall_clock()
            return self._process(
                tx, commit=False, verify_signatures=verify_signatures, check_blockhash=not replace_recent_blockhash
            )

    def airdrop(self, pubkey: Pubkey, lamports: int) -> TransactionResult:
        """A real System transfer from the faucet, signed with its key."""
        with self._lock:
            ix = transfer(TransferParams(from_pubkey=self.faucet, to_pubkey=pubkey, lamports=lamports))
            tx = Transaction.new_signed_with_payer([ix], self.faucet, [FAUCET_KEYPAIR], self.latest_blockhash())
            if tx.signatures[0] in self._processed:  # the same airdrop twice in one block: move to the next
                self.expire_blockhash()
                tx = Transaction.new_signed_with_payer([ix], self.faucet, [FAUCET_KEYPAIR], self.latest_blockhash())
            return self.send_transaction(tx)

    def signature_status(self, signature: Signature) -> TransactionRecord | None:
        return self._ledger.transaction(signature)

    def _process(
        self, tx: AnyTransaction, *, commit: bool, verify_signatures: bool, check_blockhash: bool
    ) -> TransactionResult:
        signatures = tx.signatures  # solders builds the list (and the message below) on each access: once each
        signature = signatures[0] if signatures else Signature.default()
        compiled = tx.message
        # A sent transaction always meets the status cache; a simulation only when it verifies signatures.
        check_status_cache = commit or verify_signatures
        rejection = self._check_transaction(
            tx, compiled, signature, verify_signatures, check_blockhash, check_status_cache
        )
        if rejection is not None:
            return TransactionResult(signature, rejection, [], 0, 0)
        message = resolve_message(compiled)
        try:
            budget = compute_budget_of(message, self._builtin_ids)
        except InvalidComputeBudget as exc:
            err: TransactionErrorType = (
                TransactionErrorDuplicateInstruction(exc.instruction_index)
                if exc.duplicate
                else instruction_error(exc.instruction_index, InstructionErrorFieldless.InvalidInstructionData)
            )
            return TransactionResult(signature, err, [], 0, 0)
        fee = budget.fee(message.num_signatures)
        payer_error = self._check_fee_payer(message.fee_payer, fee)
        if payer_error is not None:
            return TransactionResult(signature, payer_error, [], 0, 0)
        return self._execute(tx, message, budget, fee, signature, commit)

    def _check_transaction(
        self,
        tx: AnyTransaction,
        message: Message | MessageV0,
        signature: Signature,
        verify_signatures: bool,
        check_blockhash: bool,
        check_status_cache: bool,
    ) -> TransactionErrorType | None:
        """Agave's checks before execution, in its order; ``message`` and ``signature`` are ``tx``'s (the first
        signature: a transaction that gets past sanitizing has one)."""
        try:
            tx.sanitize()
        except Exception:  # solders raises SanitizeError, which has no common base to catch by name
            return TransactionErrorFieldless.SanitizeFailure
        if not isinstance(message, Message) and message.address_table_lookups:
            return TransactionErrorFieldless.AddressLookupTableNotFound
        if verify_signatures and not all(tx.verify_with_results()):
            return TransactionErrorFieldless.SignatureFailure
        if check_blockhash and message.recent_blockhash not in self._valid_blockhashes:
            return TransactionErrorFieldless.BlockhashNotFound
        if check_status_cache and self._already_processed(signature):
            return TransactionErrorFieldless.AlreadyProcessed
        return None

    def _already_processed(self, signature: Signature) -> bool:
        """The status cache. A bank resumed from a ledger also asks the ledger, which holds what ran before the
        restart (only transactions whose blockhash is still valid get this far, as on a cluster)."""
        if signature in self._processed:
            return True
        return self._resumed and self._ledger.transaction(signature) is not None

    def _check_fee_payer(self, payer_key: Pubkey, fee: int) -> TransactionErrorType | None:
        payer = self._accounts.get(payer_key)
        if payer is None:
            return TransactionErrorFieldless.AccountNotFound
        if payer.owner != SYSTEM_PROGRAM_ID:
            return TransactionErrorFieldless.InvalidAccountForFee
        if payer.lamports < fee:
            return TransactionErrorFieldless.InsufficientFundsForFee
        pre = rent_state_of(payer.lamports, len(payer.data), self._rent)
        post = rent_state_of(payer.lamports - fee, len(payer.data), self._rent)
        if not rent_transition_allowed(pre, post):
            return rent_error(0)
        return None

    def _execute(
        self,
        tx: AnyTransaction,
        message: ResolvedMessage,
        budget: ComputeBudget,
        fee: int,
        signature: Signature,
        commit: bool,
    ) -> TransactionResult:
        keys = message.account_keys
        accounts = self._accounts
        working: dict[Pubkey, Account] = {}
        for key in keys:
            if key not in working:
                stored = accounts.get(key)
                working[key] = stored.copy() if stored is not None else Account(0)
        recorded = commit and self._ledger.keeps_transactions  # the balances before are the record's alone
        pre_balances = [working[key].lamports for key in keys] if recorded else []
        pre_token_balances = token_balances(keys, accounts.get) if recorded else []
        payer = working[keys[0]]
        payer.lamports -= fee
        logs = LogCollector()
        meter = ComputeMeter(budget.unit_limit)
        err = self._load_programs(message)
        if err is None:
            pre_states = [
                rent_state_of(working[key].lamports, len(working[key].data), self._rent) if writable else None
                for key, writable in zip(keys, message.is_writable, strict=True)
            ]
            context = TransactionContext(self._programs, self.clock, self._rent, meter, logs)
            err = self._run_instructions(message, working, context)
            if err is None:
                err = self._check_rent_states(message, working, pre_states)
            return_data = context.return_data
            inner = _inner_instructions(keys, context.invoked)
        else:
            return_data = None
            inner = []
        if err is None:  # every writable key, its account (None: no lamports left, the account is removed)
            writes = {
                key: (working[key] if working[key].lamports else None)
                for key, is_writable in zip(keys, message.is_writable, strict=True)
                if is_writable
            }
        else:  # only the fee sticks: every other account stays as the bank holds it
            fee_payer = accounts[keys[0]].copy()
            fee_payer.lamports -= fee
            writes = {keys[0]: fee_payer if fee_payer.lamports else None}
        post_accounts = (
            [] if commit else [(key, acc.to_solders() if acc.lamports else None) for key, acc in working.items()]
        )
        result = TransactionResult(signature, err, logs.lines, meter.used, fee, return_data, post_accounts, inner)
        if commit:
            self._commit(tx, message, signature, result, writes, pre_balances, pre_token_balances)
        return result

    def _load_programs(self, message: ResolvedMessage) -> TransactionErrorType | None:
        for ix in message.instructions:
            program_id = message.account_keys[ix.program_index]
            account = self._accounts.get(program_id)
            if account is None:
                return TransactionErrorFieldless.ProgramAccountNotFound
            if not account.executable or program_id not in self._programs:
                return TransactionErrorFieldless.InvalidProgramForExecution
        return None

    def _run_instructions(
        self, message: ResolvedMessage, working: dict[Pubkey, Account], context: TransactionContext
    ) -> TransactionErrorType | None:
        keys = message.account_keys
        for index, ix in enumerate(message.instructions):
            context.instruction_index = index
            spec = self._programs[keys[ix.program_index]]
            infos = [
                AccountInfo(keys[i], message.is_signer[i], message.is_writable[i], working[keys[i]])
                for i in ix.account_indices
            ]
            try:
                run_frame(context, spec, infos, ix.data)
            except ProgramError as exc:
                return instruction_error(index, exc.as_instruction_error())
        return None

    def _check_rent_states(
        self, message: ResolvedMessage, working: dict[Pubkey, Account], pre_states: Sequence[RentState | None]
    ) -> TransactionErrorType | None:
        for index, (key, pre) in enumerate(zip(message.account_keys, pre_states, strict=True)):
            if pre is None:
                continue
            account = working[key]
            post = rent_state_of(account.lamports, len(account.data), self._rent)
            if not rent_transition_allowed(pre, post):
                return rent_error(index)
        return None

    def _commit(
        self,
        tx: AnyTransaction,
        message: ResolvedMessage,
        signature: Signature,
        result: TransactionResult,
        writes: dict[Pubkey, Account | None],
        pre_balances: list[int],
        pre_token_balances: list[TokenBalance],
    ) -> None:
        for key, account in writes.items():
            if account is None:
                self._accounts.pop(key, None)
            else:
                self._accounts[key] = account
        self._processed[signature] = message.recent_blockhash
        self._processed_by_blockhash.setdefault(message.recent_blockhash, []).append(signature)
        if not self._ledger.keeps_transactions:
            self._ledger.commit(writes, None)
            return
        keys = message.account_keys
        post_balances = [self._accounts[key].lamports if key in self._accounts else 0 for key in keys]
        block = self._blocks[-1]
        versioned = tx if isinstance(tx, VersionedTransaction) else VersionedTransaction.from_legacy(tx)
        record = TransactionRecord(
            signature,
            block.slot,
            block.unix_timestamp,  # a transaction's blockTime is its block's, as getBlock reports it
            versioned,
            result,
            pre_balances,
            post_balances,
            keys,
            pre_token_balances,
            token_balances(keys, self._accounts.get) if pre_token_balances or TOKEN_PROGRAM_ID in keys else [],
        )
        self._ledger.commit(writes, record)

    def epoch_of(self, slot: int) -> int:
        return slot // SLOTS_PER_EPOCH


def _inner_instructions(
    keys: Sequence[Pubkey], invoked: list[tuple[int, Pubkey, list[Pubkey], bytes, int]]
) -> list[InnerInstruction]:
    """The CPIs a transaction made, with keys as indices into its message (a CPI may only use those keys)."""
    if not invoked:
        return []
    index_of: dict[Pubkey, int] = {}
    for i, key in enumerate(keys):
        index_of.setdefault(key, i)
    return [
        InnerInstruction(top, index_of[program], bytes(index_of[key] for key in accounts), data, height)
        for top, program, accounts, data, height in invoked
    ]
