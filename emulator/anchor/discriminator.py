"""Anchor's 8-byte discriminators and the name conversions they depend on.

Anchor tells instructions, accounts and events apart by the first 8 bytes of a SHA-256 over a
namespaced name. Instruction names are hashed in snake case (``global:increment_by``) whatever
case the IDL writes them in, so the case conversions here follow Rust's ``heck`` crate, which
Anchor and anchorpy (through ``pyheck``) both use.
"""

from __future__ import annotations

import hashlib
import re

DISCRIMINATOR_SIZE = 8


def words(name: str) -> list[str]:
    """Split an identifier in any case style into its words, by ``heck``'s rules.

    Words break at non-alphanumerics, between a lowercase letter (or digits after one) and an
    uppercase letter, and before the last capital of an acronym followed by a lowercase letter.

    >>> words("incrementBy"), words("HTTPServer"), words("join_run"), words("v2Thing"), words("A0A")
    (['increment', 'By'], ['HTTP', 'Server'], ['join', 'run'], ['v2', 'Thing'], ['A0A'])
    """
    found: list[str] = []
    for chunk in re.split(r"[^0-9A-Za-z]+", name):
        start = 0
        mode = ""  # "", "lower" or "upper": the case of the word so far (digits keep it)
        for i, char in enumerate(chunk[:-1]):
            following = chunk[i + 1]
            next_mode = "lower" if char.islower() else "upper" if char.isupper() else mode
            if next_mode == "lower" and following.isupper():
                found.append(chunk[start : i + 1])
                start, mode = i + 1, ""
            elif mode == "upper" and char.isupper() and following.islower():
                found.append(chunk[start:i])
                start, mode = i, ""
            else:
                mode = next_mode
        if chunk[start:]:
            found.append(chunk[start:])
    return found


def snake_case(name: str) -> str:
    """``incrementBy`` -> ``increment_by`` (snake names are left as they are).

    >>> snake_case("incrementBy"), snake_case("authorization_create"), snake_case("HTTPServer")
    ('increment_by', 'authorization_create', 'http_server')
    """
    return "_".join(word.lower() for word in words(name))


def camel_case(name: str) -> str:
    """``increment_by`` -> ``incrementBy``: how a legacy (pre-0.30) Anchor IDL writes names.

    >>> camel_case("increment_by"), camel_case("system_program"), camel_case("count")
    ('incrementBy', 'systemProgram', 'count')
    """
    parts = words(name)
    if not parts:
        return name
    return parts[0].lower() + "".join(word[:1].upper() + word[1:].lower() for word in parts[1:])


def pascal_case(name: str) -> str:
    """``authorization_create`` -> ``AuthorizationCreate``: the name Anchor logs as ``Instruction: ...``.

    >>> pascal_case("authorization_create"), pascal_case("tick")
    ('AuthorizationCreate', 'Tick')
    """
    return "".join(word[:1].upper() + word[1:].lower() for word in words(name))


def _hash(preimage: str) -> bytes:
    return hashlib.sha256(preimage.encode()).digest()[:DISCRIMINATOR_SIZE]


def instruction_discriminator(name: str) -> bytes:
    """``sha256("global:" + snake_case(name))[:8]``: the first 8 bytes of an instruction's data.

    >>> instruction_discriminator("initialize").hex()
    'afaf6d1f0d989bed'
    >>> instruction_discriminator("authorizationCreate") == instruction_discriminator("authorization_create")
    True
    """
    return _hash(f"global:{snake_case(name)}")


def account_discriminator(name: str) -> bytes:
    """``sha256("account:" + Name)[:8]``: the first 8 bytes of an Anchor account (the type name as written).

    >>> account_discriminator("Counter").hex()
    'ffb004f5bcfd7c19'
    """
    return _hash(f"account:{name}")


def event_discriminator(name: str) -> bytes:
    """``sha256("event:" + Name)[:8]``: the first 8 bytes of an event's ``Program data:`` payload.

    >>> event_discriminator("Incremented").hex()
    '5ccf77cc47cd6c0f'
    """
    return _hash(f"event:{name}")
