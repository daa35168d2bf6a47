"""File and image hashing: MD5/SHA-1/SHA-256 in one read, PDQ with quality.

Images are decoded with guards (decompression bombs, corrupt or truncated data, HEIC,
animated images, EXIF orientation); a file that cannot be decoded raises
:class:`~safeguard.errors.ImageDecodeError` with its reason.
"""

from __future__ import annotations

from safeguard.hashing.files import FileHashes, hash_file
from safeguard.hashing.pdq import (
    DIHEDRAL_NAMES,
    PdqHash,
    pdq_dihedral_of_array,
    pdq_dihedral_of_image,
    pdq_of_array,
    pdq_of_image,
)

__all__ = [
    "DIHEDRAL_NAMES",
    "FileHashes",
    "PdqHash",
    "hash_file",
    "pdq_dihedral_of_array",
    "pdq_dihedral_of_image",
    "pdq_of_array",
    "pdq_of_image",
]
