"""Each of ``client``, ``formats`` and ``validator`` has one root exception; every error it defines derives from it.

STYLE.md: one base exception per package. The check reads the source (no import, so no torch): a class that
derives from a built-in exception must also derive from its package's root; one derived from another of the
package's errors inherits the root through it (``test_the_package_errors_derive_from_their_root`` checks a few
of those on the real classes).
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from client.amounts import AmountError
from client.chain.backend import ChainUnavailable
from client.errors import ClientError
from client.participant.pipeline import DesyncError
from client.train import TrainError
from formats.errors import FormatError, TokenFileError
from formats.run_config.errors import RunConfigError
from validator.accounts_file import AccountFileError
from validator.errors import ValidatorError
from validator.rpc.errors import RpcError

REPOSITORY = Path(__file__).resolve().parent.parent
BUILTIN_EXCEPTIONS = {
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
}
ROOTS = {"client": "ClientError", "formats": "FormatError", "validator": "ValidatorError"}


def _base_names(node: ast.ClassDef) -> set[str]:
    return {base.id if isinstance(base, ast.Name) else ast.unparse(base) for base in node.bases}


def errors_outside_the_root(package: str) -> set[str]:
    """``path:Class`` of each class in ``package`` that derives from a built-in exception but not from the root."""
    root = ROOTS[package]
    found = set()
    for path in sorted((REPOSITORY / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ClassDef) or node.name == root:
                continue
            bases = _base_names(node)
            if bases & BUILTIN_EXCEPTIONS and root not in bases:
                found.add(f"{path.relative_to(REPOSITORY)}:{node.name}")
    return found


@pytest.mark.parametrize("package", sorted(ROOTS))
def test_every_error_derives_from_the_package_root(package: str) -> None:
    assert errors_outside_the_root(package) == set()


def test_the_package_errors_derive_from_their_root() -> None:
    assert issubclass(ChainUnavailable, ClientError)
    assert issubclass(AmountError, ClientError) and issubclass(AmountError, ValueError)
    assert issubclass(RunConfigError, FormatError) and issubclass(RunConfigError, ValueError)
    assert issubclass(TokenFileError, FormatError)
    assert issubclass(RpcError, ValidatorError)
    assert issubclass(AccountFileError, ValidatorError) and issubclass(AccountFileError, ValueError)
    assert issubclass(DesyncError, ClientError) and issubclass(DesyncError, RuntimeError)
    assert issubclass(TrainError, ClientError)
