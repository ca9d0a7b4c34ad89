"""The program entry point Anchor generates, built from a :class:`ProgramInterface`.

Anchor's ``entry`` does, in order: match the 8-byte discriminator (``InstructionMissing`` /
``InstructionFallbackNotFound``), log ``Instruction: <Name>``, deserialize the args
(``InstructionDidNotDeserialize``; bytes after them are ignored, as ``deserialize(&mut &data[..])``
ignores them), take the accounts in order (``AccountNotEnoughKeys``, ``AccountNotSigner``), check
the ``mut`` constraints once every account is taken (``ConstraintMut``), and run the handler.
Any :class:`AnchorError` is logged as Anchor logs it and re-raised, so the runtime reports
``Custom(code)``.

Deviation: Anchor also deserializes typed ``Account<T>`` accounts and runs ``init`` while taking
the accounts, before the ``mut`` checks; here the handler does both itself (with
:func:`~emulator.anchor.accounts.load_account` and :func:`~emulator.anchor.accounts.init_account`),
so when one instruction has both kinds of fault the ``mut`` error is reported first.
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from emulator.account import AccountInfo
from emulator.anchor.borsh import BorshError, Reader
from emulator.anchor.discriminator import DISCRIMINATOR_SIZE, pascal_case
from emulator.anchor.errors import AnchorError, ErrorCode
from emulator.anchor.interface import Instruction, ProgramInterface
from emulator.program import Entrypoint, InvokeContext


class Accounts:
    """The accounts a handler receives: one attribute per declared name, plus ``remaining_accounts``.

    An absent optional account reads as ``None`` through :meth:`maybe`; reading it as an attribute
    fails with ``ConstraintAccountIsNone``, as an Anchor constraint on a ``None`` account does.
    """

    def __init__(self, named: dict[str, AccountInfo | None], remaining_accounts: list[AccountInfo]) -> None:
        self._named = named
        self.remaining_accounts = remaining_accounts
        # The present accounts become plain attributes, read without the failed lookup that leads to __getattr__
        # (ten times dearer, and a handler reads several); a name the class uses stays what it was.
        self.__dict__.update(
            (name, info) for name, info in named.items() if info is not None and name not in _OWN_ATTRIBUTES
        )

    def __getattr__(self, name: str) -> AccountInfo:
        try:
            info = self._named[name]
        except KeyError:
            raise AttributeError(f"no account named {name!r}") from None
        if info is None:
            raise AnchorError(ErrorCode.ConstraintAccountIsNone, account=name)
        return info

    def maybe(self, name: str) -> AccountInfo | None:
        """An optional account, or ``None`` when the client passed the program id in its place."""
        return self._named[name]

    def name_of(self, key: Pubkey) -> str | None:
        """The declared name of the first account with this key (for Anchor's "caused by account" line)."""
        return next((name for name, info in self._named.items() if info is not None and info.key == key), None)


_OWN_ATTRIBUTES = frozenset({*dir(Accounts), "_named", "remaining_accounts"})


def entrypoint(interface: ProgramInterface) -> Entrypoint:
    """The ``(ctx, accounts, data)`` entry point that dispatches to the interface's handlers."""
    # The log line is built once per instruction: converting the name on every call cost as much as a check.
    table = {ix.discriminator: (ix, f"Instruction: {pascal_case(ix.name)}") for ix in interface.instructions}

    def process_instruction(ctx: InvokeContext, infos: list[AccountInfo], data: bytes) -> None:
        bound: Accounts | None = None
        try:
            if len(data) < DISCRIMINATOR_SIZE:
                raise AnchorError(ErrorCode.InstructionMissing)
            entry = table.get(bytes(data[:DISCRIMINATOR_SIZE]))
            if entry is None:
                raise AnchorError(ErrorCode.InstructionFallbackNotFound)
            ix, log_line = entry
            ctx.log(log_line)
            args = _decode_args(ix, data)
            bound = _bind_accounts(ix, infos, ctx.program_id)
            ix.handler(ctx, bound, *args)
        except AnchorError as err:
            if not err.logged:  # not already logged by a program this one invoked
                if isinstance(err.account, Pubkey) and bound is not None:
                    err.account = bound.name_of(err.account) or err.account
                for line in err.log_lines():
                    ctx.log(line)
                err.logged = True
            raise

    process_instruction.__qualname__ = process_instruction.__name__ = f"{interface.name}_entrypoint"
    return process_instruction


def _decode_args(ix: Instruction, data: bytes) -> list[object]:
    reader = Reader(data, DISCRIMINATOR_SIZE)  # one cursor for all the arguments, read one after the other
    try:
        return [type_.read(reader) for _, type_ in ix.arg_types]
    except BorshError as exc:
        raise AnchorError(ErrorCode.InstructionDidNotDeserialize) from exc


def _bind_accounts(ix: Instruction, infos: list[AccountInfo], program_id: Pubkey) -> Accounts:
    named: dict[str, AccountInfo | None] = {}
    for position, declared in enumerate(ix.accounts):
        if position >= len(infos):
            raise AnchorError(ErrorCode.AccountNotEnoughKeys, account=declared.name)
        info: AccountInfo | None = infos[position]
        if declared.optional and info is not None and info.key == program_id:
            info = None
        if declared.signer and info is not None and not info.is_signer:
            raise AnchorError(ErrorCode.AccountNotSigner, account=declared.name)
        named[declared.name] = info
    for declared in ix.accounts:
        info = named[declared.name]
        if declared.mut and info is not None and not info.is_writable:
            raise AnchorError(ErrorCode.ConstraintMut, account=declared.name)
    return Accounts(named, infos[len(ix.accounts) :])
