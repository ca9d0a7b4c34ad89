"""JSON-RPC errors exactly as Agave sends them, and the text of a TransactionError.

solders parses every error object into a typed message *by code*, and some codes are traps: a
-32002 or -32005 without ``data`` makes solders panic, and a code it does not know becomes a bare
``int`` that callers then crash on. So only the codes below are ever sent, each with the ``data``
solders requires.
"""

from __future__ import annotations

from enum import IntEnum

from solders.transaction_status import (
    InstructionErrorType,
    TransactionErrorDuplicateInstruction,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
    TransactionErrorProgramExecutionTemporarilyRestricted,
    TransactionErrorType,
)

from emulator.errors import instruction_error_message
from validator.errors import ValidatorError

__all__ = ["RpcError", "RpcErrorCode", "transaction_error_message"]


class RpcErrorCode(IntEnum):
    """The JSON-RPC 2.0 codes and the Solana-specific ones this server sends."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    BLOCK_CLEANED_UP = -32001
    SEND_TRANSACTION_PREFLIGHT_FAILURE = -32002
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE = -32003
    BLOCK_NOT_AVAILABLE = -32004
    SLOT_SKIPPED = -32007
    NO_SNAPSHOT = -32008
    UNSUPPORTED_TRANSACTION_VERSION = -32015
    MIN_CONTEXT_SLOT_NOT_REACHED = -32016


class RpcError(ValidatorError):
    """A JSON-RPC error response: raised by a method handler, written by the dispatcher."""

    def __init__(self, code: RpcErrorCode, message: str, data: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, object]:
        error: dict[str, object] = {"code": int(self.code), "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error

    @classmethod
    def parse_error(cls) -> RpcError:
        return cls(RpcErrorCode.PARSE_ERROR, "Parse error")

    @classmethod
    def invalid_request(cls, message: str = "Invalid request") -> RpcError:
        return cls(RpcErrorCode.INVALID_REQUEST, message)

    @classmethod
    def method_not_found(cls) -> RpcError:
        return cls(RpcErrorCode.METHOD_NOT_FOUND, "Method not found")

    @classmethod
    def invalid_params(cls, message: str) -> RpcError:
        return cls(RpcErrorCode.INVALID_PARAMS, message)

    @classmethod
    def internal_error(cls) -> RpcError:
        return cls(RpcErrorCode.INTERNAL_ERROR, "Internal error")

    @classmethod
    def signature_verification_failure(cls) -> RpcError:
        return cls(
            RpcErrorCode.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure"
        )

    @classmethod
    def min_context_slot_not_reached(cls, context_slot: int) -> RpcError:
        return cls(
            RpcErrorCode.MIN_CONTEXT_SLOT_NOT_REACHED,
            "Minimum context slot has not been reached",
            {"contextSlot": context_slot},
        )

    @classmethod
    def block_cleaned_up(cls, slot: int, first_available_block: int) -> RpcError:
        return cls(
            RpcErrorCode.BLOCK_CLEANED_UP,
            f"Block {slot} cleaned up, does not exist on node. First available block: {first_available_block}",
        )

    @classmethod
    def block_not_available(cls, slot: int) -> RpcError:
        return cls(RpcErrorCode.BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")

    @classmethod
    def slot_skipped(cls, slot: int) -> RpcError:
        return cls(
            RpcErrorCode.SLOT_SKIPPED, f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot"
        )

    @classmethod
    def no_snapshot(cls) -> RpcError:
        return cls(RpcErrorCode.NO_SNAPSHOT, "No snapshot")

    @classmethod
    def unsupported_transaction_version(cls, version: int) -> RpcError:
        return cls(
            RpcErrorCode.UNSUPPORTED_TRANSACTION_VERSION,
            f"Transaction version ({version}) is not supported by the requesting client. Please try the request "
            f'again with the following configuration parameter: "maxSupportedTransactionVersion": {version}',
        )


# Agave's `Display` for TransactionError (solana-transaction-error), which RPC messages embed.
_TRANSACTION_MESSAGES: dict[str, str] = {
    "AccountInUse": "Account in use",
    "AccountLoadedTwice": "Account loaded twice",
    "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
    "ProgramAccountNotFound": "Attempt to load a program that does not exist",
    "InsufficientFundsForFee": "Insufficient funds for fee",
    "InvalidAccountForFee": "This account may not be used to pay transaction fees",
    "AlreadyProcessed": "This transaction has already been processed",
    "BlockhashNotFound": "Blockhash not found",
    "CallChainTooDeep": "Loader call chain is too deep",
    "MissingSignatureForFee": "Transaction requires a fee but has no signature present",
    "InvalidAccountIndex": "Transaction contains an invalid account reference",
    "SignatureFailure": "Transaction did not pass signature verification",
    "InvalidProgramForExecution": "This program may not be used for executing instructions",
    "SanitizeFailure": "Transaction failed to sanitize accounts offsets correctly",
    "ClusterMaintenance": "Transactions are currently disabled due to cluster maintenance",
    "AccountBorrowOutstanding": ("Transaction processing left an account with an outstanding borrowed reference"),
    "WouldExceedMaxBlockCostLimit": "Transaction would exceed max Block Cost Limit",
    "UnsupportedVersion": "Transaction version is unsupported",
    "InvalidWritableAccount": "Transaction loads a writable account that cannot be written",
    "WouldExceedMaxAccountCostLimit": ("Transaction would exceed max account limit within the block"),
    "WouldExceedAccountDataBlockLimit": ("Transaction would exceed account data limit within the block"),
    "TooManyAccountLocks": "Transaction locked too many accounts",
    "AddressLookupTableNotFound": ("Transaction loads an address table account that doesn't exist"),
    "InvalidAddressLookupTableOwner": ("Transaction loads an address table account with an invalid owner"),
    "InvalidAddressLookupTableData": ("Transaction loads an address table account with invalid data"),
    "InvalidAddressLookupTableIndex": ("Transaction address table lookup uses an invalid index"),
    "InvalidRentPayingAccount": ("Transaction leaves an account with a lower balance than rent-exempt minimum"),
    "WouldExceedMaxVoteCostLimit": "Transaction would exceed max Vote Cost Limit",
    "WouldExceedAccountDataTotalLimit": "Transaction would exceed total account data limit",
    "MaxLoadedAccountsDataSizeExceeded": ("Transaction exceeded max loaded accounts data size cap"),
    "InvalidLoadedAccountsDataSizeLimit": ("LoadedAccountsDataSizeLimit set for transaction must be greater than 0."),
    "ResanitizationNeeded": "ResanitizationNeeded",
    "UnbalancedTransaction": ("Sum of account balances before and after transaction do not match"),
    "ProgramCacheHitMaxLimit": "Program cache hit max limit",
    "CommitCancelled": "CommitCancelled",
}


def transaction_error_message(error: TransactionErrorType) -> str:
    """How Agave prints a TransactionError, e.g. in "Transaction simulation failed: <this>".

    >>> from solders.transaction_status import InstructionErrorCustom
    >>> transaction_error_message(TransactionErrorInstructionError(0, InstructionErrorCustom(6000)))
    'Error processing Instruction 0: custom program error: 0x1770'
    """
    if isinstance(error, TransactionErrorFieldless):
        return _TRANSACTION_MESSAGES[str(error).rsplit(".", 1)[-1]]
    if isinstance(error, TransactionErrorInstructionError):
        inner: InstructionErrorType = error.err
        return f"Error processing Instruction {error.index}: {instruction_error_message(inner)}"
    if isinstance(error, TransactionErrorInsufficientFundsForRent):
        return f"Transaction results in an account ({error.account_index}) with insufficient funds for rent"
    if isinstance(error, TransactionErrorDuplicateInstruction):
        return f"Transaction contains a duplicate instruction ({error.index}) that is not allowed"
    if isinstance(error, TransactionErrorProgramExecutionTemporarilyRestricted):
        return (
            f"Execution of the program referenced by account at index {error.account_index} is temporarily restricted."
        )
    raise TypeError(f"not a TransactionError: {error!r}")
