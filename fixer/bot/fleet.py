"""``acr-fix fleet plan``: which repositories of an organisation or user a campaign works on,
and the GitHub Actions matrix that runs ``acr-fix pr`` on each of them.

The repositories come from the REST API (every page) or from a file that lists them. The
filters are pure functions of the listing; whether a repository holds templates is asked of
the git trees API (one call per repository) or code search (a few calls for the whole
account), never by cloning. Returns typed data; prints nothing.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..discover import SKIP_DIRS, TEMPLATE_SUFFIXES
from ..errors import FixerError
from ..globs import ignored
from .errors import ConfigurationError, GitHubError, NotFound, PermissionDenied
from .github import GitHub, parse_repository

# GitHub Actions runs at most 256 jobs from one matrix.
MAX_MATRIX_JOBS = 256
DETECT_MODES = ("tree", "search", "none")
# What code search looks for: the registry's resource type (ARM JSON and Bicep) and the
# Azure Verified Module that deploys one (Bicep registry modules name it by path).
SEARCH_TERMS = ('"Microsoft.ContainerRegistry/registries"', '"avm/res/container-registry/registry"')


class RepositoryListError(FixerError):
    """A file of repositories holds a line that is not ``owner/name``."""


@dataclass(frozen=True)
class Target:
    """One repository of the campaign. ``clone_url``/``default_branch`` are known when it came
    from the API; from a file only its name is."""

    repository: str
    clone_url: str | None = None
    default_branch: str | None = None


@dataclass(frozen=True)
class Skipped:
    repository: str
    reason: str


@dataclass(frozen=True)
class Selection:
    """Which listed repositories the campaign takes. Patterns are shell globs matched against
    the name and against owner/name (``infra-*``, ``contoso/app-?``), case-insensitively."""

    include: tuple[str, ...] = ()     # empty: every name
    exclude: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()      # non-empty: the repository has at least one of them
    archived: bool = False            # archived repositories are read-only: skipped unless asked
    forks: bool = False
    detect: str = "tree"              # tree | search | none: how to tell that a repository holds templates
    path_excludes: tuple[str, ...] = ()   # globs of paths that do not count as templates (tree mode)


@dataclass(frozen=True)
class FleetPlan:
    targets: tuple[Target, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()


# -- pure parts -------------------------------------------------------------------------------


def _matches(full_name: str, patterns: Sequence[str]) -> bool:
    name = full_name.split("/", 1)[-1].lower()
    return any(fnmatch.fnmatchcase(name, p.lower()) or fnmatch.fnmatchcase(full_name.lower(), p.lower())
               for p in patterns)


def select(listing: Iterable[Mapping[str, Any]], selection: Selection) -> tuple[list[Mapping[str, Any]], list[Skipped]]:
    """Split listed repositories (the REST API's repository objects) into the ones the
    selection takes and the ones it skips, with the reason. Order is kept; a name listed
    twice (an overlapping page) counts once."""
    kept: list[Mapping[str, Any]] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for repo in listing:
        full_name = str(repo.get("full_name") or "")
        if not full_name or full_name.lower() in seen:
            continue
        seen.add(full_name.lower())
        reason = _skip_reason(repo, full_name, selection)
        if reason:
            skipped.append(Skipped(full_name, reason))
        else:
            kept.append(repo)
    return kept, skipped


def _skip_reason(repo: Mapping[str, Any], full_name: str, selection: Selection) -> str | None:
    if selection.include and not _matches(full_name, selection.include):
        return "name not matched by --include"
    if selection.exclude and _matches(full_name, selection.exclude):
        return "name matched by --exclude"
    if repo.get("archived") and not selection.archived:
        return "archived (read-only)"
    if repo.get("disabled"):
        return "disabled"
    if repo.get("fork") and not selection.forks:
        return "fork"
    if selection.topics:
        topics = {str(t).lower() for t in repo.get("topics") or ()}
        if not topics & {t.lower() for t in selection.topics}:
            return f"no topic of {', '.join(selection.topics)}"
    return None


def holds_templates(paths: Iterable[str], path_excludes: Sequence[str] = ()) -> bool:
    """True when a file list has a file acr-fix would read: a template suffix outside the
    folders discovery skips and outside ``path_excludes``. Only names are known here, so a
    ``.json`` file counts: an extra job that finds nothing costs less than a missed template."""
    for path in paths:
        pure = PurePosixPath(path)
        if not pure.name.lower().endswith(TEMPLATE_SUFFIXES):
            continue
        if any(part in SKIP_DIRS for part in pure.parts[:-1]):
            continue
        if path_excludes and ignored(tuple(path_excludes), path):  # (as `acr-fix --exclude` matches)
            continue
        return True
    return False


def matrix(targets: Sequence[Target], max_jobs: int = MAX_MATRIX_JOBS) -> dict[str, Any]:
    """The GitHub Actions matrix for ``targets``: ``{"include": [...]}`` with at most
    ``max_jobs`` entries. With no more targets than that, each entry is one repository;
    with more, consecutive repositories share an entry (a chunk) so the matrix still fits.
    Each entry has ``id`` (unique, for artifact names) and ``repositories`` (space-separated
    owner/name). Raises ConfigurationError for a max_jobs outside 1..256."""
    if not 1 <= max_jobs <= MAX_MATRIX_JOBS:
        raise ConfigurationError(f"--max-jobs {max_jobs}: GitHub Actions runs 1 to {MAX_MATRIX_JOBS} jobs per matrix")
    size = max(1, math.ceil(len(targets) / max_jobs))
    width = len(str(max(1, math.ceil(len(targets) / size))))
    include = []
    for index in range(0, len(targets), size):
        chunk = targets[index:index + size]
        include.append({"id": str(index // size + 1).zfill(width),
                        "repositories": " ".join(t.repository for t in chunk)})
    return {"include": include}


def read_repository_list(path: Path) -> list[Target]:
    """Repositories from a file: ``owner/name`` one a line; blank lines and ``#`` comments are
    ignored. Raises RepositoryListError naming the file and line of a bad entry."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RepositoryListError(f"{path}: cannot read the list of repositories ({exc})") from None
    return parse_repository_list(text, str(path))


def parse_repository_list(text: str, source: str) -> list[Target]:
    targets: list[Target] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if entry.startswith("https://") or entry.startswith("http://"):
            entry = "/".join(entry.rstrip("/").removesuffix(".git").split("/")[-2:])
        try:
            owner, name = parse_repository(entry)
        except ConfigurationError:
            raise RepositoryListError(f"{source}:{number}: {entry!r} is not owner/name") from None
        full = f"{owner}/{name}"
        if full.lower() not in seen:
            seen.add(full.lower())
            targets.append(Target(full))
    return targets


def plan_list(targets: Sequence[Target], selection: Selection) -> FleetPlan:
    """A campaign from a list of repositories: only the name patterns apply (the list says
    nothing of topics, archived or forks, and asking GitHub is what a list avoids)."""
    names_only = Selection(include=selection.include, exclude=selection.exclude)
    kept, skipped = select([{"full_name": t.repository} for t in targets], names_only)
    names = {str(r["full_name"]) for r in kept}
    return FleetPlan(tuple(t for t in targets if t.repository in names), tuple(skipped))


# -- asking GitHub ------------------------------------------------------------------------------


def plan_account(client: GitHub, owner: str | None, selection: Selection) -> FleetPlan:
    """The campaign's repositories: ``owner``'s (an organisation or user), or with ``owner``
    None the ones a GitHub App installation token was granted. Raises GitHubError when the
    account cannot be listed; a repository whose files cannot be listed is kept (the job
    will say what is wrong) with a note, and an empty one is skipped."""
    if selection.detect not in DETECT_MODES:
        raise ConfigurationError(f"--detect must be one of {', '.join(DETECT_MODES)}, not {selection.detect!r}")
    try:
        listing = list(client.account_repositories(owner) if owner else client.installation_repositories())
    except NotFound:
        raise NotFound(f"account {owner!r} not found: check the name, GITHUB_API_URL and that the token can see it",
                       404) from None
    except PermissionDenied as exc:
        raise PermissionDenied(f"cannot list the repositories of {owner or 'the installation'}: {exc}; the token needs "
                               "'metadata: read' on them", exc.status) from None
    kept, skipped = select(listing, selection)
    notes: list[str] = []
    if selection.detect == "tree":
        kept, more = _by_tree(client, kept, selection, notes)
        skipped.extend(more)
    elif selection.detect == "search":
        kept, more = _by_search(client, owner, kept, notes)
        skipped.extend(more)
    targets = tuple(Target(str(r["full_name"]), clone_url=r.get("clone_url") or None,
                           default_branch=r.get("default_branch") or None) for r in kept)
    return FleetPlan(targets, tuple(skipped), tuple(notes))


def _by_tree(client: GitHub, repos: list[Mapping[str, Any]], selection: Selection,
             notes: list[str]) -> tuple[list[Mapping[str, Any]], list[Skipped]]:
    kept: list[Mapping[str, Any]] = []
    skipped: list[Skipped] = []
    for repo in repos:
        full_name = str(repo["full_name"])
        ref = str(repo.get("default_branch") or "HEAD")
        try:
            paths, truncated = client.tree_paths(full_name, ref)
        except GitHubError as exc:
            if exc.status == 409:   # GitHub's answer for a repository without commits
                skipped.append(Skipped(full_name, "empty repository"))
            else:
                notes.append(f"{full_name}: cannot list its files ({exc}); kept in the campaign")
                kept.append(repo)
            continue
        if truncated:
            notes.append(f"{full_name}: too many files for one tree listing; kept in the campaign")
            kept.append(repo)
        elif holds_templates(paths, selection.path_excludes):
            kept.append(repo)
        else:
            skipped.append(Skipped(full_name, "no template files"))
    return kept, skipped


def _by_search(client: GitHub, owner: str | None, repos: list[Mapping[str, Any]],
               notes: list[str]) -> tuple[list[Mapping[str, Any]], list[Skipped]]:
    """Code search indexes only default branches and files under 384 KB, and skips most
    forks: a repository it does not name is skipped, with that said in the notes."""
    if owner:
        scope = f"{'org' if client.account_type(owner) == 'Organization' else 'user'}:{owner}"
    else:
        scope = " ".join(f"user:{o}" for o in sorted({str(r["full_name"]).split("/")[0] for r in repos}))
    found: set[str] = set()
    for term in SEARCH_TERMS:
        for item in client.search_code(f"{term} {scope}".strip()):
            name = str((item.get("repository") or {}).get("full_name") or "")
            found.add(name.lower())
    kept = [r for r in repos if str(r["full_name"]).lower() in found]
    skipped = [Skipped(str(r["full_name"]), "code search found no registry") for r in repos
               if str(r["full_name"]).lower() not in found]
    if skipped:
        notes.append("code search sees only default branches and files under 384 KB; use --detect tree to be thorough")
    return kept, skipped


__all__: Sequence[str] = ("MAX_MATRIX_JOBS", "DETECT_MODES", "Target", "Skipped", "Selection", "FleetPlan",
                          "RepositoryListError", "select", "holds_templates", "matrix", "read_repository_list",
                          "parse_repository_list", "plan_list", "plan_account")
