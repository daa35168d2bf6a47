"""The layout behind PdqIndex: word packing and tables, against plain numpy definitions."""

from __future__ import annotations

import numpy as np

from safeguard.hashsets import pdq_mih as mih


def _hashes(n: int) -> np.ndarray:
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    hashes[:50] = 0
    hashes[50:100] = 255
    hashes[100:150] = np.tile(rng.integers(0, 256, (50, 2), dtype=np.uint8), 16)
    return hashes


def test_words_hold_bit_order_i_at_position_i() -> None:
    """Bit i of the words (most significant first) is bit BIT_ORDER[i] of the hash."""
    hashes = _hashes(3_000)
    bits = np.unpackbits(hashes, axis=1)[:, mih.BIT_ORDER]
    expected = np.ascontiguousarray(np.packbits(bits, axis=1)).view(">u8").astype(np.uint64)
    words = mih.to_words(hashes)
    assert words.dtype == np.uint64
    assert (words == expected).all()
    assert (mih.to_bytes(words) == hashes).all()


def test_tables_list_rows_by_key_in_row_order_with_their_prefilter_bits() -> None:
    """Each table is a stable sort of the rows by segment key; each pre-filter entry is
    the 96 high bits of the 128-bit half the segment is not in, for the row beside it."""
    hashes = _hashes(20_000)
    words = mih.to_words(hashes)
    layout = mih.segment_layout(16)
    tables = mih.build_tables(words, layout)
    n = hashes.shape[0]
    for j, (start, width) in enumerate(layout):
        keys = mih.segment_keys(words, start, width)
        perm = tables.perm[j * n : (j + 1) * n]
        assert (perm == np.argsort(keys, kind="stable")).all()
        base = int(tables.obase[j])
        counts = np.diff(tables.offsets[base : base + (1 << width) + 1].astype(np.int64))
        assert (counts == np.bincount(keys, minlength=1 << width)).all()
        fw = tables.filt_word(j)
        high96 = (words[perm, fw], words[perm, fw + 1] >> np.uint64(32))
        filt = tables.filt[j * n : (j + 1) * n].astype(np.uint64)
        assert ((filt[:, 0] << np.uint64(32) | filt[:, 1]) == high96[0]).all()
        assert (filt[:, 2] == high96[1]).all()
