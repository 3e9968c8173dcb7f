"""MSB-first bit writing, shared by the H.264 and AAC bitstream builders."""

from __future__ import annotations

__all__ = ["BitWriter"]


class BitWriter:
    """MSB-first bit writer for small headers (bulk payloads are joined as bytes)."""

    __slots__ = ("_acc", "_nbits")

    def __init__(self) -> None:
        self._acc = 0
        self._nbits = 0

    def u(self, nbits: int, value: int) -> None:
        """Write ``value`` as an ``nbits``-bit unsigned integer, u(n)."""
        if value < 0 or value >> nbits:
            raise ValueError(f"{value} does not fit in {nbits} bits")
        self._acc = (self._acc << nbits) | value
        self._nbits += nbits

    def ue(self, value: int) -> None:
        """Write an unsigned Exp-Golomb code, ue(v)."""
        code = value + 1
        self.u(2 * code.bit_length() - 1, code)

    def se(self, value: int) -> None:
        """Write a signed Exp-Golomb code, se(v)."""
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        """Pad with zero bits up to the next byte boundary."""
        self.u(-self._nbits % 8, 0)

    def trailing_bits(self) -> None:
        """Write rbsp_trailing_bits(): a stop bit, then zero bits to the byte boundary."""
        self.u(1, 1)
        self.align_zero()

    def to_bytes(self) -> bytes:
        """Return the written bits; the writer must be byte-aligned."""
        if self._nbits % 8:
            raise ValueError("bit writer is not byte-aligned")
        return self._acc.to_bytes(self._nbits // 8, "big")
