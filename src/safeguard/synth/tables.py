"""Fast, deterministic table output: pyarrow CSV writers, ISO timestamps, hex, SHA-256."""

from __future__ import annotations

import binascii
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from numpy.typing import NDArray

__all__ = ["TableWriter", "hex_strings", "iso_timestamps", "string_table"]

_WRITE_OPTIONS = pcsv.WriteOptions(quoting_style="needed", include_header=True)


def iso_timestamps(seconds: NDArray[np.int64]) -> pa.Array:
    """Seconds since the epoch → ``2020-01-31T12:00:00Z`` strings, vectorised."""
    stamps = pa.array(seconds.astype("datetime64[s]"))
    text = pc.replace_substring(pc.cast(stamps, pa.string()), " ", "T")
    return pc.binary_join_element_wise(text, pa.scalar("Z"), "")


def hex_strings(raw: NDArray[np.uint8]) -> pa.Array:
    """Rows of bytes (shape ``(n, k)``) → lower-case hex strings of ``2k`` characters."""
    width = raw.shape[1] * 2
    packed = np.frombuffer(binascii.hexlify(np.ascontiguousarray(raw).tobytes()), f"S{width}")
    return pa.array(packed).cast(pa.string())


def string_table(columns: dict[str, pa.Array]) -> pa.Table:
    """A table whose every column is text (numbers formatted, nulls kept as empty cells)."""
    return pa.table(
        {k: v if v.type == pa.string() else pc.cast(v, pa.string()) for k, v in columns.items()}
    )


class TableWriter:
    """Append string tables with a fixed column order to one CSV file."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        schema = pa.schema([(c, pa.string()) for c in columns])
        self._writer = pcsv.CSVWriter(str(path), schema, write_options=_WRITE_OPTIONS)

    def write(self, columns: dict[str, pa.Array]) -> None:
        table = string_table({c: columns[c] for c in self.columns})
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
