"""Hypothesis strategies for the toy program's Borsh values."""

from __future__ import annotations

from hypothesis import strategies as st
from solders.pubkey import Pubkey

from tests.emulator.anchor.counter_program import Circle, Empty, Inner, Mode, Settings, ShapePair

pubkeys = st.binary(min_size=32, max_size=32).map(Pubkey.from_bytes)
f32s = st.floats(width=32, allow_nan=False)
f64s = st.floats(allow_nan=False)

inners = st.builds(Inner, st.booleans(), st.integers(-128, 127))
shapes = st.one_of(
    st.builds(Empty),
    st.builds(Circle, st.integers(0, 2**32 - 1), st.none() | st.text(max_size=5)),
    st.builds(ShapePair, st.integers(0, 255), st.integers(-(2**15), 2**15 - 1)),
)
settings_values = st.builds(
    Settings,
    st.integers(0, 2**128 - 1),
    st.integers(-(2**127), 2**127 - 1),
    st.integers(0, 2**16 - 1),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1),
    f64s,
    f32s,
    st.text(max_size=10),
    st.binary(max_size=10),
    st.lists(pubkeys, max_size=3),
    st.none() | st.integers(0, 2**64 - 1),
    st.lists(st.lists(st.integers(0, 255), min_size=2, max_size=2), min_size=3, max_size=3),
    st.sampled_from(Mode),
    st.lists(shapes, max_size=4),
    inners,
)
