"""The ``safeguard`` command line (one module per verb group; reference in docs/cli.md)."""
