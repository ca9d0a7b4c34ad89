"""Fixed-capacity containers laid out as the reference's ``repr(C)`` Rust types.

The coordinator account is a zero-copy ``bytemuck`` struct, so every container has a fixed size:

* ``FixedString<L>``: ``L`` raw bytes; the text ends at the first zero byte (or fills all ``L``).
* ``FixedVec<T, N>``: ``N`` slots, then ``len: u64``. Slots at or past ``len`` are kept zeroed.
* ``Option<T>``: a tag byte (0 = None), then ``T`` at its natural alignment. ``Option<f32>`` is 8 bytes with the
  value at +4; ``Option<FixedString<64>>`` is 65 bytes with the value at +1.

The classes are ``ctypes`` structures, so an instance made with ``from_buffer`` is a live view of account bytes.
The factories (:func:`fixed_string`, :func:`fixed_vec`, :func:`option_of`) return one cached class per
parameter, so ``fixed_vec(Client, 256) is fixed_vec(Client, 256)``.
"""

from __future__ import annotations

import ctypes
import struct
import sys
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, ClassVar, Literal

__all__ = [
    "CType",
    "FixedStringError",
    "FixedVecFullError",
    "FixedString",
    "FixedVec",
    "Option",
    "fixed_string",
    "fixed_vec",
    "option_of",
    "copy_of",
]


CType = Any
"""A ctypes type (scalar, array or structure); ``typeshed`` has no common base that fits all three."""


class FixedStringError(ValueError):
    """A string longer than its ``FixedString<L>`` capacity (the reference's ``FixedStringError``)."""

    def __init__(self, length: int, capacity: int) -> None:
        super().__init__(f"string of length {length} doesn't fit in FixedString<{capacity}>")
        self.length = length
        self.capacity = capacity


class FixedVecFullError(Exception):
    """``push``/``insert`` on a full ``FixedVec`` (the reference returns ``Err("FixedVec is full")``)."""


def copy_of(value: Any) -> Any:
    """A detached copy of a ctypes structure or array (a scalar is returned as is).

    Reading a structure out of an account gives a *view*; take a copy before the slot is overwritten.
    """
    if isinstance(value, ctypes.Structure | ctypes.Union | ctypes.Array):
        return type(value).from_buffer_copy(value)
    return value


class FixedString(ctypes.LittleEndianStructure):
    """``FixedString<L>``: ``L`` bytes of UTF-8, zero-padded. Use :func:`fixed_string` to get a sized class."""

    CAPACITY: ClassVar[int] = 0

    @classmethod
    def from_str(cls, text: str) -> FixedString:
        """A new value holding ``text``; raises :class:`FixedStringError` when it does not fit."""
        value = cls()
        value.value = text
        return value

    @property
    def raw(self) -> bytes:
        """All ``L`` bytes, padding included."""
        return bytes(self.data)

    @property
    def value(self) -> str:
        """The text up to the first zero byte, decoded leniently as the reference's ``String::from`` does."""
        raw = bytes(self.data)
        end = raw.find(0)
        return (raw if end < 0 else raw[:end]).decode("utf-8", errors="replace")

    @value.setter
    def value(self, text: str) -> None:
        encoded = text.encode("utf-8")
        if len(encoded) > self.CAPACITY:
            raise FixedStringError(len(encoded), self.CAPACITY)
        self.set_raw(encoded)

    def set_truncated(self, text: str) -> None:
        """Store ``text`` cut to ``L`` bytes (``from_str_truncated``; it may cut a multi-byte character)."""
        self.set_raw(text.encode("utf-8")[: self.CAPACITY])

    def set_raw(self, raw: bytes) -> None:
        """Store ``raw`` and zero the rest; raises :class:`FixedStringError` when it is longer than ``L``."""
        if len(raw) > self.CAPACITY:
            raise FixedStringError(len(raw), self.CAPACITY)
        ctypes.memmove(ctypes.addressof(self.data), raw.ljust(self.CAPACITY, b"\0"), self.CAPACITY)

    def is_empty(self) -> bool:
        """The reference's ``is_empty``: only the first byte counts."""
        return int(self.data[0]) == 0

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"FixedString<{self.CAPACITY}>({self.value!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FixedString):
            return self.raw == other.raw
        if isinstance(other, str):
            return self.value == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mutable view of account bytes


@cache
def fixed_string(capacity: int) -> type[FixedString]:
    """The ``FixedString<capacity>`` class."""
    return type(
        f"FixedString{capacity}",
        (FixedString,),
        {"_fields_": [("data", ctypes.c_uint8 * capacity)], "CAPACITY": capacity, "__module__": __name__},
    )


class FixedVec(ctypes.LittleEndianStructure):
    """``FixedVec<T, N>``: ``N`` slots then ``len: u64``, with the reference's methods.

    Indexing, iteration and :meth:`get` see only the first ``len`` items (``vec[i]`` raises IndexError past
    ``len`` where Rust panics; negative ``i`` counts from ``len`` as in Python). A structure item is returned as a
    live view (mutate it in place); a scalar item is returned as a Python number.
    """

    ITEM: ClassVar[CType] = None
    CAPACITY: ClassVar[int] = 0
    data: Any
    len: int

    def __len__(self) -> int:
        return int(self.len)

    def capacity(self) -> int:
        return self.CAPACITY

    def is_empty(self) -> bool:
        return int(self.len) == 0

    def is_full(self) -> bool:
        return int(self.len) == self.CAPACITY

    def _checked(self, index: int) -> int:
        length = int(self.len)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise IndexError(f"index {index} out of bounds for FixedVec of len {length}")
        return index

    def __getitem__(self, index: int) -> Any:
        return self.data[self._checked(index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self.data[self._checked(index)] = value

    def __iter__(self) -> Iterator[Any]:
        data = self.data
        for index in range(int(self.len)):
            yield data[index]

    def get(self, index: int) -> Any | None:
        """The item at ``index`` if ``index < len``, else None (negative indices are out of range)."""
        return self.data[index] if 0 <= index < int(self.len) else None

    def first(self) -> Any | None:
        return self.get(0)

    def last(self) -> Any | None:
        return self.get(int(self.len) - 1)

    def push(self, value: Any) -> None:
        """Append; raises :class:`FixedVecFullError` when all ``N`` slots are used."""
        length = int(self.len)
        if length >= self.CAPACITY:
            raise FixedVecFullError("FixedVec is full")
        self.data[length] = value
        self.len = length + 1

    def extend(self, values: Any) -> None:
        """Push each value in turn; on overflow the values pushed so far stay, as in the reference."""
        for value in values:
            self.push(value)

    def pop(self) -> Any | None:
        """Remove and return the last item (a detached copy), zeroing its slot; None when empty."""
        length = int(self.len)
        if length == 0:
            return None
        item = copy_of(self.data[length - 1])
        self._zero_slots(length - 1, length)
        self.len = length - 1
        return item

    def remove(self, index: int) -> Any | None:
        """Remove the item at ``index`` shifting the tail left (order kept); None when out of range."""
        length = int(self.len)
        if not 0 <= index < length:
            return None
        item = copy_of(self.data[index])
        self._move(index + 1, index, length - index - 1)
        self._zero_slots(length - 1, length)
        self.len = length - 1
        return item

    def insert(self, index: int, value: Any) -> None:
        """Insert at ``index`` shifting the tail right; :class:`FixedVecFullError` when full, IndexError past len."""
        length = int(self.len)
        if length >= self.CAPACITY:
            raise FixedVecFullError("FixedVec is full")
        if index > length or index < 0:
            raise IndexError("Index out of bounds")
        value = copy_of(value)
        self._move(index, index + 1, length - index)
        self.data[index] = value
        self.len = length + 1

    def clear(self) -> None:
        """Zero the used slots and set ``len`` to 0."""
        self._zero_slots(0, int(self.len))
        self.len = 0

    def retain(self, keep: Callable[[Any], bool]) -> None:
        """Keep the items for which ``keep`` is true, in order, and zero the freed slots."""
        length = int(self.len)
        write = 0
        for read in range(length):
            if keep(self.data[read]):
                if read != write:
                    self._move(read, write, 1)
                write += 1
        self._zero_slots(write, length)
        self.len = write

    def to_list(self) -> list[Any]:
        """Detached copies of the used items."""
        return [copy_of(item) for item in self]

    def indices_with(self, offset: int, value: bytes) -> Iterator[int]:
        """In order, the indices of the used items whose bytes at ``offset`` are ``value`` (a field's full width).

        Every instruction a client sends looks its wallet up this way among up to 256 clients, so the search runs in
        C over the slots' memory: where the field is word-aligned, over a copy of the items' first words of it (a
        strided view of the slots as ``u64`` words), each candidate then compared whole; else over a copy of all
        the bytes, a hit counting only where it starts at ``offset`` within an item.
        """
        size = self._slot_size()
        if offset < 0 or offset + len(value) > size:
            raise ValueError(f"{len(value)} bytes at offset {offset} do not fit in an item of {size} bytes")
        memory = self._used_view()
        if offset % 8 == 0 and size % 8 == 0 and len(value) >= 8:
            firsts = memory.cast("Q")[offset // 8 :: size // 8].tobytes()
            at = firsts.find(value[:8])
            while at >= 0:
                if at % 8 == 0:
                    index = at // 8
                    start = index * size + offset
                    if memory[start : start + len(value)] == value:
                        yield index
                at = firsts.find(value[:8], at + 1)
            return
        copy = memory.tobytes()
        at = copy.find(value)
        while at >= 0:
            index, within = divmod(at, size)
            if within == offset:
                yield index
            at = copy.find(value, at + 1)

    def field_values(self, offset: int, code: str) -> list[int]:
        """The little-endian integer (``struct`` code ``B``, ``H``, ``I`` or ``Q``) at ``offset`` of each used item,
        in order, read in C from the used slots' memory: as a strided view of them where the field is aligned to
        its width (on a little-endian machine), else unpacked item by item."""
        size = self._slot_size()
        field = _field(offset, code, size)
        used = self._used_view()
        width = _WIDTHS[code]
        if _LITTLE_ENDIAN and offset % width == 0 and size % width == 0:
            words = used.cast(_INTEGER_CODES[code])
            values: list[int] = words[offset // width :: size // width].tolist()
            return values
        return [value for (value,) in field.iter_unpack(used)]

    def field_bytes(self, offset: int, width: int) -> list[bytes]:
        """The ``width`` bytes at ``offset`` of each used item, in order, sliced from one copy of the used slots
        (where views of every item would cost a structure each)."""
        size = self._slot_size()
        if offset < 0 or width < 0 or offset + width > size:
            raise ValueError(f"{width} bytes at offset {offset} do not fit in an item of {size} bytes")
        memory = self._used_view().tobytes()
        return [memory[start : start + width] for start in range(offset, len(memory), size)]

    def _used_view(self) -> memoryview:
        """The used slots' memory as bytes, not copied (``len`` clamped to the capacity, as the slots end there)."""
        used = min(int(self.len), self.CAPACITY)
        return memoryview(self.data).cast("B")[: used * self._slot_size()]

    def _slot_size(self) -> int:
        return ctypes.sizeof(self.ITEM)

    def _move(self, source: int, target: int, count: int) -> None:
        if count > 0:
            size = self._slot_size()
            base = ctypes.addressof(self.data)
            ctypes.memmove(base + target * size, base + source * size, count * size)

    def _zero_slots(self, start: int, stop: int) -> None:
        if stop > start:
            size = self._slot_size()
            ctypes.memset(ctypes.addressof(self.data) + start * size, 0, (stop - start) * size)

    def __repr__(self) -> str:
        return f"FixedVec<{getattr(self.ITEM, '__name__', self.ITEM)}, {self.CAPACITY}>(len={int(self.len)})"


_WIDTHS = {"B": 1, "H": 2, "I": 4, "Q": 8}
_INTEGER_CODES: dict[str, Literal["B", "H", "I", "Q"]] = {"B": "B", "H": "H", "I": "I", "Q": "Q"}
_LITTLE_ENDIAN = sys.byteorder == "little"


@cache
def _field(offset: int, code: str, size: int) -> struct.Struct:
    """An item of ``size`` bytes with a little-endian integer of ``struct`` code ``code`` at ``offset``."""
    width = _WIDTHS.get(code, 0)
    if not width or offset < 0 or offset + width > size:
        raise ValueError(f"a {code!r} at offset {offset} does not fit in an item of {size} bytes")
    return struct.Struct(f"<{offset}x{code}{size - offset - width}x")


@cache
def fixed_vec(item: CType, capacity: int) -> type[FixedVec]:
    """The ``FixedVec<item, capacity>`` class."""
    return type(
        f"FixedVec_{item.__name__}_{capacity}",
        (FixedVec,),
        {
            "_fields_": [("data", item * capacity), ("len", ctypes.c_uint64)],
            "ITEM": item,
            "CAPACITY": capacity,
            "__module__": __name__,
        },
    )


class Option(ctypes.LittleEndianStructure):
    """``Option<T>`` as rustc lays it out for these types: a tag byte (0 = None, else Some), then the value."""

    ITEM: ClassVar[CType] = None
    tag: int
    value: Any

    def is_some(self) -> bool:
        return int(self.tag) != 0

    def get(self) -> Any | None:
        """The value (a live view for structures, a Python number for scalars) or None."""
        return self.value if int(self.tag) != 0 else None

    def set(self, value: Any | None) -> None:
        """Store ``Some(value)``, or None (the value bytes are zeroed then)."""
        if value is None:
            self.tag = 0
            # The value is the last field and its size is a multiple of its alignment, so it ends the structure.
            size = ctypes.sizeof(self.ITEM)
            ctypes.memset(ctypes.addressof(self) + ctypes.sizeof(self) - size, 0, size)
        else:
            self.tag = 1
            self.value = value

    def __repr__(self) -> str:
        return f"Option({self.get()!r})"


@cache
def option_of(item: CType) -> type[Option]:
    """The ``Option<item>`` class."""
    return type(
        f"Option_{item.__name__}",
        (Option,),
        {"_fields_": [("tag", ctypes.c_uint8), ("value", item)], "ITEM": item, "__module__": __name__},
    )
