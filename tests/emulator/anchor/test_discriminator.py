"""Discriminators and name conversions agree with Anchor, anchorpy and the reference programs."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pyheck
import pytest
from hypothesis import given
from hypothesis import strategies as st

import emulator.anchor
from emulator.anchor import account_discriminator, event_discriminator, instruction_discriminator
from emulator.anchor.discriminator import camel_case, snake_case

MODULES = [
    importlib.import_module(f"emulator.anchor.{info.name}") for info in pkgutil.iter_modules(emulator.anchor.__path__)
]


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_docstring_examples_hold(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0


def test_spec_vectors() -> None:
    assert instruction_discriminator("initialize").hex() == "afaf6d1f0d989bed"
    assert account_discriminator("Counter").hex() == "ffb004f5bcfd7c19"
    assert event_discriminator("Incremented").hex() == "5ccf77cc47cd6c0f"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("authorization_create", "149dc4b3e7df6d66"),
        ("authorization_grantee_update", "ba6f7fc75990c143"),
        ("participant_claim", "a096e8563b6bad26"),
        ("join_run", "48a07d666a86f64b"),
        ("tick", "5c4f2c0865503f0f"),
        ("init_coordinator", "14399449e8857a19"),
    ],
)
def test_reference_instruction_discriminators(name: str, expected: str) -> None:
    assert instruction_discriminator(name).hex() == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Authorization", "0344a8f3c3a8204b"), ("Run", "c7369b56eb73f6bd"), ("Participant", "208e6c4ff7b33606")],
)
def test_reference_account_discriminators(name: str, expected: str) -> None:
    assert account_discriminator(name).hex() == expected


def test_an_idl_camel_case_name_hashes_as_its_snake_case() -> None:
    assert instruction_discriminator("incrementBy") == instruction_discriminator("increment_by")


snake_identifiers = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=1, max_size=4).map(
    "_".join
)
any_case_identifiers = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True)


@given(snake_identifiers)
def test_snake_names_round_trip_through_camel_case(name: str) -> None:
    assert snake_case(name) == name
    assert camel_case(name) == pyheck.lower_camel(name)
    assert pyheck.snake(camel_case(name)) == snake_case(camel_case(name))


@given(any_case_identifiers)
def test_snake_case_matches_heck_as_anchorpy_uses_it(name: str) -> None:
    assert snake_case(name) == pyheck.snake(name)
