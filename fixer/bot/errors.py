"""Typed errors of the bot. Messages are one line, name the next step, and never hold a token."""

from __future__ import annotations

from ..errors import FixerError


class BotError(FixerError):
    """Base class of every error the bot raises on purpose."""


class GitError(BotError):
    """A git command failed; the message carries git's own (redacted) explanation."""


class NotARepository(GitError):
    """The working directory is not inside a git checkout."""


class DirtyTree(GitError):
    """Uncommitted changes that the bot would ignore or mix up; ``paths`` lists them."""

    def __init__(self, message: str, paths: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.paths = paths


class PushRejected(GitError):
    """The remote refused the push (lease lost, protected branch, no permission)."""


class ForeignChanges(BotError):
    """The bot's branch or pull request holds work that acr-fix did not make; not overwritten."""


class GitHubError(BotError):
    """A GitHub API request failed. ``status`` is the HTTP status, 0 for network failures."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationFailed(GitHubError):
    """HTTP 401: the token is missing, expired or wrong."""


class PermissionDenied(GitHubError):
    """HTTP 403 that is not a rate limit: the token lacks a permission."""


class NotFound(GitHubError):
    """HTTP 404: the repository or pull request does not exist or the token cannot see it."""


class Unprocessable(GitHubError):
    """HTTP 422: GitHub refused the request's content (unknown base branch, bad reviewer...)."""


class RateLimited(GitHubError):
    """Still rate limited after the allowed retries, or the wait would be too long."""


class NetworkError(GitHubError):
    """GitHub could not be reached (DNS, connection refused, timeout, TLS)."""


class ConfigurationError(BotError):
    """Missing or contradictory settings: no token, unknown repository, bad --author."""
