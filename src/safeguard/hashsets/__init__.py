"""Known-material hash sets: formats, category schemes, versioned import, export, catalogue.

>>> from safeguard.hashsets import import_hash_set  # doctest: +SKIP
>>> import_hash_set(store, Path("known.vics.json"), name="partner", scheme="uk")  # doctest: +SKIP
"""

from __future__ import annotations

from safeguard.hashsets.catalog import HashSetInfo, VersionInfo, hash_set_info, list_hash_sets
from safeguard.hashsets.categories import BUILTIN_SCHEMES, CategoryScheme, load_scheme
from safeguard.hashsets.entries import ParsedEntry
from safeguard.hashsets.export import EXPORT_FORMATS, export_hash_set
from safeguard.hashsets.formats import FORMATS, HashSetFormat, detect_format, get_format
from safeguard.hashsets.importer import ImportResult, import_hash_set

__all__ = [
    "BUILTIN_SCHEMES",
    "EXPORT_FORMATS",
    "FORMATS",
    "CategoryScheme",
    "HashSetFormat",
    "HashSetInfo",
    "ImportResult",
    "ParsedEntry",
    "VersionInfo",
    "detect_format",
    "export_hash_set",
    "get_format",
    "hash_set_info",
    "import_hash_set",
    "list_hash_sets",
    "load_scheme",
]
