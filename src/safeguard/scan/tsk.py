"""Disk images through The Sleuth Kit (``pytsk3``): raw images, and E01 through ``pyewf``.

Every partition with a file system the Sleuth Kit recognises is listed (or the image
itself when it has no partition table). Deleted files whose entries the file system keeps
(FAT directory entries, NTFS MFT records, ext inodes...) are listed as deleted and read
from whatever their blocks still hold. Directories are entered once (by metadata address),
so a corrupt file system cannot make the listing loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytsk3

from safeguard.errors import FormatError
from safeguard.scan.items import Item, Times, display_name

__all__ = ["EWF_SUFFIXES", "TskReader", "image_kind", "walk_image"]

#: Suffixes read as Expert Witness (EnCase) images.
EWF_SUFFIXES = (".e01", ".ex01", ".s01", ".l01")
_SKIP = {b".", b".."}
_DIR_TYPES = (pytsk3.TSK_FS_META_TYPE_DIR, pytsk3.TSK_FS_META_TYPE_VIRT_DIR)


def image_kind(path: Path) -> str:
    return "ewf" if path.name.lower().endswith(EWF_SUFFIXES) else "raw"


class _EwfImage(pytsk3.Img_Info):  # type: ignore[misc]
    """An E01 image opened with libewf, seen by the Sleuth Kit as an external image."""

    def __init__(self, path: str) -> None:
        import pyewf

        self._handle = pyewf.handle()
        self._handle.open(pyewf.glob(path))
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def close(self) -> None:
        self._handle.close()

    def read(self, offset: int, size: int) -> bytes:
        self._handle.seek(offset)
        data: bytes = self._handle.read(size)
        return data

    def get_size(self) -> int:
        size: int = self._handle.get_media_size()
        return size


@lru_cache(maxsize=8)
def _image(path: str, kind: str) -> Any:
    try:
        return _EwfImage(path) if kind == "ewf" else pytsk3.Img_Info(path)
    except ImportError as exc:
        raise FormatError(
            "E01 images need the libewf bindings (pip install libewf-python)"
        ) from exc
    except (OSError, RuntimeError) as exc:
        raise FormatError(f"{path}: cannot open disk image: {exc}") from exc


@lru_cache(maxsize=32)
def _filesystem(path: str, kind: str, offset: int) -> Any:
    return pytsk3.FS_Info(_image(path, kind), offset=offset)


def _offsets(path: str, kind: str) -> list[tuple[str, int]]:
    img = _image(path, kind)
    try:
        volume = pytsk3.Volume_Info(img)
    except (OSError, RuntimeError):
        return [("", 0)]
    block = volume.info.block_size
    found = []
    for part in volume:
        if part.flags != pytsk3.TSK_VS_PART_FLAG_ALLOC:
            continue
        offset = part.start * block
        try:
            _filesystem(path, kind, offset)
        except (OSError, RuntimeError):
            continue
        found.append((f"p{part.addr}/", offset))
    return found or [("", 0)]


def _times(meta: Any) -> Times:
    return Times(meta.mtime, meta.atime, meta.ctime, getattr(meta, "crtime", None))


def _entry_item(
    ident: tuple[str, str, int], prefix: str, rel: bytes, entry: Any
) -> tuple[Item | None, int | None]:
    """The item of one directory entry, and the address to enter if it is a directory."""
    info = entry.info
    deleted = bool(int(info.name.flags) & int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC))
    text, ok = display_name(rel)
    raw = None if ok else rel.hex()
    notes = () if ok else ("file name is not valid UTF-8 (shown with \\x escapes)",)
    meta = info.meta
    addr = int(meta.addr) if meta is not None else int(info.name.meta_addr)
    key, path = f"{prefix}{text}\x1f{addr}", prefix + text
    if meta is None:
        item = Item(
            key,
            path,
            (),
            None,
            deleted=deleted,
            raw_name=raw,
            notes=notes,
            problem="no metadata left",
        )
        return item, None
    if meta.type in _DIR_TYPES:
        return None, addr
    if meta.type == pytsk3.TSK_FS_META_TYPE_VIRT:
        return None, None  # the Sleuth Kit's own $MBR, $FAT1... views of the volume
    problem = None if meta.type == pytsk3.TSK_FS_META_TYPE_REG else "not a regular file"
    locator = ("tsk", *ident, addr)
    item = Item(key, path, locator, int(meta.size), _times(meta), deleted, raw, notes, problem)
    return item, None


def _walk_fs(ident: tuple[str, str, int], prefix: str) -> Iterator[Item]:
    fs = _filesystem(*ident)
    root = fs.info.root_inum
    stack: list[tuple[int, bytes]] = [(root, b"")]
    seen = {root}
    while stack:
        addr, rel = stack.pop()
        try:
            directory = fs.open_dir(inode=addr)
        except (OSError, RuntimeError) as exc:
            text, _ = display_name(rel)
            yield Item(
                key=f"{prefix}{text}\x1f{addr}",
                path=prefix + text,
                locator=(),
                size=None,
                problem=f"cannot list directory: {exc}",
            )
            continue
        subdirs = []
        for entry in sorted(directory, key=lambda e: bytes(e.info.name.name)):
            name = bytes(entry.info.name.name)
            if name in _SKIP:
                continue
            child = rel + b"/" + name if rel else name
            item, subdir = _entry_item(ident, prefix, child, entry)
            if item is not None:
                yield item
            if subdir is not None and subdir not in seen:
                seen.add(subdir)
                subdirs.append((subdir, child))
        stack.extend(reversed(subdirs))


def walk_image(path: Path) -> Iterator[Item]:
    """Every file of every file system in the disk image at ``path``, deleted ones too."""
    name, kind = str(path), image_kind(path)
    for prefix, offset in _offsets(name, kind):
        try:
            _filesystem(name, kind, offset)
        except (OSError, RuntimeError) as exc:
            raise FormatError(f"{path}: no file system the Sleuth Kit recognises: {exc}") from exc
        yield from _walk_fs((name, kind, offset), prefix)


class TskReader:
    """Reads one file of a disk image (its default data attribute) from the start."""

    def __init__(self, locator: tuple[object, ...]) -> None:
        _, path, kind, offset, addr = locator
        fs = _filesystem(str(path), str(kind), int(str(offset)))
        self._file = fs.open_meta(inode=int(str(addr)))
        self._size = int(self._file.info.meta.size)
        self._pos = 0

    def read(self, n: int) -> bytes:
        n = min(n, self._size - self._pos)
        if n <= 0:
            return b""
        data: bytes = self._file.read_random(self._pos, n)
        self._pos += len(data)
        return data
