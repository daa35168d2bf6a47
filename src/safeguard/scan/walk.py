"""Listing a directory tree (a mounted device or an extraction) as scan items.

Names are handled as bytes, so a name that is not valid UTF-8 is still read (and shown
with ``\\xNN`` escapes). Symbolic links are never followed (a link is listed with its
target), so link loops cannot happen; a directory reached twice (bind mounts) is listed
once. A directory that cannot be listed, and FIFOs, sockets and devices, become items
with a reason and are not opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from safeguard.scan.items import Item, Times, display_name

__all__ = ["walk_directory"]

_SPECIAL = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}
_SPARSE_MIN = 1 << 20
_NOT_UTF8 = "file name is not valid UTF-8 (shown with \\x escapes)"


def _names(rel: bytes) -> tuple[str, str | None, tuple[str, ...]]:
    text, ok = display_name(rel)
    if ok:
        return text, None, ()
    return text, rel.hex(), (_NOT_UTF8,)


def _key(text: str, raw_hex: str | None) -> str:
    return text if raw_hex is None else f"{text}\x1f{raw_hex}"


def _item(rel: bytes, full: bytes, st: os.stat_result | None, problem: str | None) -> Item:
    text, raw_hex, notes = _names(rel)
    times = Times()
    size: int | None = None
    if st is not None:
        size = st.st_size
        crtime = getattr(st, "st_birthtime", None)
        times = Times(st.st_mtime, st.st_atime, st.st_ctime, crtime)
        allocated = st.st_blocks * 512
        if stat.S_ISREG(st.st_mode) and size >= _SPARSE_MIN and allocated < size // 2:
            notes = (*notes, f"sparse file: {allocated} of {size} bytes allocated")
    return Item(
        key=_key(text, raw_hex),
        path=text,
        locator=("fs", full),
        size=size,
        times=times,
        raw_name=raw_hex,
        notes=notes,
        problem=problem,
    )


def _entry_item(rel: bytes, full: bytes, entry: os.DirEntry[bytes]) -> Item:
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError as exc:
        return _item(rel, full, None, f"cannot stat: {exc.strerror}")
    kind = stat.S_IFMT(st.st_mode)
    if kind == stat.S_IFLNK:
        try:
            target, _ = display_name(os.readlink(full))
        except OSError:
            target = "?"
        return _item(rel, full, st, f"symbolic link to {target!r} (not followed)")
    if kind != stat.S_IFREG:
        return _item(rel, full, st, f"not a regular file: {_SPECIAL.get(kind, 'special')}")
    return _item(rel, full, st, None)


def _listing(full: bytes) -> list[os.DirEntry[bytes]]:
    with os.scandir(full) as it:
        return sorted(it, key=lambda e: e.name)


def _walk(root: bytes, rel: bytes, seen: set[tuple[int, int]]) -> Iterator[Item]:
    full = os.path.join(root, rel) if rel else root
    try:
        entries = _listing(full)
    except OSError as exc:
        yield _item(rel or b".", full, None, f"cannot list directory: {exc.strerror}")
        return
    for entry in entries:
        child = os.path.join(rel, entry.name) if rel else entry.name
        child_full = os.path.join(root, child)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if not is_dir:
            yield _entry_item(child, child_full, entry)
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            yield _item(child, child_full, None, f"cannot stat directory: {exc.strerror}")
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            yield _item(child, child_full, None, "directory loop: already scanned (not entered)")
            continue
        seen.add(ident)
        yield from _walk(root, child, seen)


def walk_directory(root: Path) -> Iterator[Item]:
    """Every entry under ``root`` except directories, in a stable (sorted) order."""
    raw = os.fsencode(root)
    st = os.stat(raw)
    return _walk(raw, b"", {(st.st_dev, st.st_ino)})
