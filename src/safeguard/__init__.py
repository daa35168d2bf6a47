"""Safeguard: from a partner's bulk handover to prioritised, explained intelligence packages.

Hashes and metadata only: Safeguard never stores, renders or transmits imagery.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
