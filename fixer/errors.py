"""Typed errors raised inside the library; the CLI turns them into one-line messages."""

from __future__ import annotations


class FixerError(Exception):
    """Base class of every error acr-fix raises on purpose."""


class ReadError(FixerError):
    """A file could not be read or decoded (permissions, binary data, encoding, size)."""


class ParseError(FixerError):
    """A file is not valid JSON/JSONC/Bicep. ``line`` (and ``column``) are 1-based when known;
    ``unexpected`` is the text found there, when the reader knows it."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 unexpected: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.unexpected = unexpected


class OverlappingEdits(FixerError):
    """Two planned edits touch the same text; the file is refused rather than guessed at."""


class VerificationError(FixerError):
    """The edited text did not re-parse, still fails the rule, or changed more than planned."""


class WriteError(FixerError):
    """Writing the fixed file failed; the original is left intact."""


class ConfigError(FixerError):
    """A configuration file is invalid. The message carries file:line."""
