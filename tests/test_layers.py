"""The layers of ARCHITECTURE.md hold as the imports actually run: nothing imports up a layer.

Read from the source with :mod:`ast` (every ``import``, also those inside functions), so the check costs no
import and sees lazy imports too. Layers, bottom up: the runtime (``emulator``), the programs (which import the
runtime), the file formats the hosts and the client share (``formats``), the hosts (``validator``,
``centralized_server``), the product client, and the applications on top
(``client.simulate``, ``client.testnet``). Also: the coordinator's core is pure (no project package but itself,
no Solana types), and nothing below the client imports torch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
APPLICATIONS = ("client.simulate", "client.testnet")
# Higher imports lower. The programs are ordered among themselves: the coordinator reads the authorizer's
# authorizations, the treasurer calls the coordinator.
LAYERS = {
    "emulator": 0,
    "authorizer": 1,
    "coordinator_program": 2,
    "treasurer": 3,
    "formats": 4,
    "validator": 5,
    "centralized_server": 5,
    "client": 6,
    **dict.fromkeys(APPLICATIONS, 7),
}
# The product's one import of the simulator, being moved into client/participant by the training-client split.
PENDING_UPWARD = {
    ("client/participant/ticking.py", "client.simulate.polling"),
}
TORCH_FREE = [
    package
    for package in (
        "emulator",
        "authorizer",
        "coordinator_program",
        "treasurer",
        "formats",
        "validator",
        "centralized_server",
    )
    if (REPOSITORY / package).is_dir()
]


def layer_of(module: str) -> str | None:
    """The layer name a dotted module belongs to (the longest matching prefix), None outside the project."""
    parts = module.split(".")
    for length in (2, 1):
        prefix = ".".join(parts[:length])
        if prefix in LAYERS:
            return prefix
    return None


def imports(path: Path) -> Iterator[str]:
    """Every absolute module ``path`` imports, at any depth of the file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            yield node.module


def project_files() -> Iterator[tuple[Path, str]]:
    """Each source file of a layered package, with its module name."""
    for package in {name.split(".")[0] for name in LAYERS}:
        for path in sorted((REPOSITORY / package).rglob("*.py")):
            yield path, ".".join(path.relative_to(REPOSITORY).with_suffix("").parts)


def test_every_top_level_package_has_a_layer() -> None:
    packages = {path.parent.name for path in REPOSITORY.glob("*/__init__.py")}
    assert packages - {name.split(".")[0] for name in LAYERS} - {"tests", "benchmarks", "scripts"} == set()


def test_no_import_runs_up_a_layer() -> None:
    upward = set()
    for path, module in project_files():
        source = layer_of(module)
        assert source is not None
        for imported in imports(path):
            target = layer_of(imported)
            if target is not None and LAYERS[target] > LAYERS[source]:
                upward.add((str(path.relative_to(REPOSITORY)), imported))
    assert upward - PENDING_UPWARD == set()


def test_the_coordinator_core_is_pure() -> None:
    for path in sorted((REPOSITORY / "coordinator_program" / "core").rglob("*.py")):
        for imported in imports(path):
            assert layer_of(imported) is None or imported.startswith("coordinator_program.core"), (path, imported)
            assert not imported.startswith("solders"), (path, imported)


@pytest.mark.parametrize("package", TORCH_FREE)
def test_nothing_below_the_client_imports_torch(package: str) -> None:
    for path in sorted((REPOSITORY / package).rglob("*.py")):
        assert not any(imported.split(".")[0] == "torch" for imported in imports(path)), path
