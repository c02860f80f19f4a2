"""The ``acr-fix`` command's entry point: nothing but the guards every exit needs.

Kept apart from ``fixer.cli`` so they hold while the CLI and its libraries are imported:
Ctrl-C at any moment exits 130 with no traceback, and a closed or full stdout exits 2
with one line (see ``fixer.cli.main`` for the rest).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    try:
        from .cli import main as cli_main

        cli_main(argv)
    except KeyboardInterrupt:
        _quiet_exit(130)
    except BrokenPipeError:
        _quiet_exit(2, "acr-fix: error: cannot write the report to stdout (its reader has gone)")


def _quiet_exit(code: int, message: str = "") -> None:
    """Exit with ``code`` without Python printing anything more (a second Ctrl-C or a
    broken stdout at interpreter shutdown would otherwise print a traceback)."""
    try:
        if message:
            sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


if __name__ == "__main__":
    main()
