"""Pure-Python reader for dlib's binary serialisation (dlib/serialize.h, dlib/cuda/tensor.h).

We read dlib's model files without building dlib so the export runs anywhere numpy runs.
Formats (all little-endian):

* integer: one control byte (bit 7 = negative, low nibble = number of bytes that follow),
  then the magnitude in that many bytes; zero is ``01 00``.
* bool: one ASCII byte ``'0'`` or ``'1'``.
* string: integer length, then the raw bytes.
* float/double: integer mantissa (int64) then integer exponent (int16); value = m * 2**e.
  Exponents 32000/32001/32002 mean +inf/-inf/nan.
* dlib::matrix: integer rows, integer cols (negative in the current format), then each
  element with the scalar rule above.
* std::vector: integer size, then the elements.
* dnn tensor: integer version (2), then n, k, nr, nc, then n*k*nr*nc raw float32 values.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

_INF, _NINF, _NAN = 32000, 32001, 32002


class DlibFormatError(ValueError):
    """The bytes do not follow dlib's serialisation where we expected them to."""


class DlibReader:
    """Sequential cursor over a dlib-serialised byte string."""

    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.pos = 0

    @classmethod
    def from_file(cls, path: Path) -> "DlibReader":
        return cls(Path(path).read_bytes())

    def _take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise DlibFormatError(f"unexpected end of data at byte {self.pos} (wanted {n} more bytes)")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def peek_int(self) -> int:
        """The next integer without consuming it (used to tell version ints from strings)."""
        pos = self.pos
        try:
            return self.int()
        finally:
            self.pos = pos

    def int(self) -> int:
        ctrl = self._take(1)[0]
        n = ctrl & 0x0F
        if n > 8 or ctrl & 0x70:
            raise DlibFormatError(f"bad integer control byte 0x{ctrl:02x} at byte {self.pos - 1}")
        value = int.from_bytes(bytes(self._take(n)), "little") if n else 0
        return -value if ctrl & 0x80 else value

    def bool(self) -> bool:
        b = self._take(1)[0]
        if b not in (0x30, 0x31):
            raise DlibFormatError(f"bad bool byte 0x{b:02x} at byte {self.pos - 1}")
        return b == 0x31

    def string(self) -> str:
        n = self.int()
        if n < 0 or n > 1 << 20:
            raise DlibFormatError(f"implausible string length {n} at byte {self.pos}")
        return bytes(self._take(n)).decode("latin-1")

    def expect_string(self, *allowed: str) -> str:
        s = self.string()
        if s not in allowed:
            raise DlibFormatError(f"expected one of {allowed}, found {s!r} before byte {self.pos}")
        return s

    def double(self) -> float:
        mantissa = self.int()
        exponent = self.int()
        if exponent == _INF:
            return math.inf
        if exponent == _NINF:
            return -math.inf
        if exponent == _NAN:
            return math.nan
        return math.ldexp(mantissa, exponent)

    def float32(self) -> np.float32:
        return np.float32(self.double())

    def matrix(self) -> np.ndarray:
        """dlib::matrix<float> as float32 (rows, cols); values go through the scalar rule."""
        nr, nc = abs(self.int()), abs(self.int())
        vals = [self.double() for _ in range(nr * nc)]
        return np.asarray(vals, np.float32).reshape(nr, nc)

    def tensor(self) -> np.ndarray:
        """dnn tensor (n, k, nr, nc) float32; version 1 stored each value as a dlib float."""
        version = self.int()
        n, k, nr, nc = (self.int() for _ in range(4))
        count = n * k * nr * nc
        if version == 2:
            arr = np.frombuffer(bytes(self._take(4 * count)), dtype="<f4").astype(np.float32)
        elif version == 1:
            arr = np.asarray([self.double() for _ in range(count)], np.float32)
        else:
            raise DlibFormatError(f"unknown tensor version {version} before byte {self.pos}")
        return arr.reshape(n, k, nr, nc)

    def alias_tensor(self) -> tuple[int, int, int, int]:
        """alias_tensor: only a shape (a view into a layer's params)."""
        version = self.int()
        if version != 1:
            raise DlibFormatError(f"unknown alias_tensor version {version}")
        return tuple(self.int() for _ in range(4))  # type: ignore[return-value]
