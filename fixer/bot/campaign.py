"""``acr-fix fleet run``: ``acr-fix pr`` on every repository of a campaign, from one machine
or from one GitHub Actions job of the fleet workflow's matrix.

Each repository is cloned shallow into a temporary folder and handed to ``open_or_update_pr``
exactly as ``acr-fix pr`` would run in that clone (the repository's own ``acr-fix.yaml`` and
``ps-rule.yaml`` apply), so a rerun updates the bot's pull requests and opens none twice,
and a repository with nothing left to fix gets its stale pull request closed. A repository
that fails (no push permission, empty, a template that cannot be read) is recorded and the
others go on. Each result is written as JSON (``RepoResult``) for the summary, and to a state
file that a later run with the same file resumes from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..edits import Applicability
from ..errors import FixerError
from .body import fixed_plans
from .errors import ConfigurationError, PushRejected
from .fleet import Target
from .git import Git, Redactor
from .github import GitHub
from .pr import PrRequest, PrResult, Settings, open_or_update_pr

RESULT_VERSION = 1
STATE_VERSION = 1
DEFAULT_SERVER_URL = "https://github.com"
# Statuses of a repository's result. A resumed run does again only the ones that failed.
DONE, SKIPPED, ERROR = "done", "skipped", "error"
FINISHED = (DONE, SKIPPED)

ClientFactory = Callable[[str, str, str, Callable[[str], None]], GitHub]


class ResultFileError(FixerError):
    """A result or state file that cannot be read back."""


@dataclass(frozen=True)
class RepoResult:
    """What the campaign did in one repository; the JSON the summary is built from.

    ``action`` is ``acr-fix pr``'s (opened, updated, unchanged, declined, closed,
    nothing-to-fix) or empty when it did not finish. ``fixed``: registries the pull request
    fixes; ``unsafe``: those of them fixed with an unsafe fix (``--unsafe-fixes``); ``manual``:
    registries that need a person."""

    repository: str
    status: str
    action: str = ""
    message: str = ""
    pull_number: int | None = None
    pull_url: str | None = None
    fixed: int = 0
    unsafe: int = 0
    manual: int = 0
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"], data["warnings"] = list(self.errors), list(self.warnings)
        return {"version": RESULT_VERSION, **data}

    @classmethod
    def from_json(cls, data: Any, source: str) -> "RepoResult":
        """Raises ResultFileError naming ``source`` when ``data`` is not a result."""
        if not isinstance(data, dict) or not isinstance(data.get("repository"), str) \
                or data.get("status") not in (DONE, SKIPPED, ERROR):
            raise ResultFileError(f"{source}: not an acr-fix fleet result (needs 'repository' and 'status')")
        try:
            return cls(repository=data["repository"], status=data["status"], action=str(data.get("action") or ""),
                       message=str(data.get("message") or ""),
                       pull_number=int(data["pull_number"]) if data.get("pull_number") is not None else None,
                       pull_url=str(data["pull_url"]) if data.get("pull_url") else None,
                       fixed=int(data.get("fixed") or 0), unsafe=int(data.get("unsafe") or 0),
                       manual=int(data.get("manual") or 0), errors=tuple(map(str, data.get("errors") or ())),
                       warnings=tuple(map(str, data.get("warnings") or ())))
        except (TypeError, ValueError) as exc:
            raise ResultFileError(f"{source}: {data.get('repository')}: a count is not a number ({exc})") from None


def result_from_pr(repository: str, pr: PrResult) -> RepoResult:
    """The result of one ``open_or_update_pr`` call."""
    fixed = unsafe = manual = 0
    if pr.run is not None:
        # (an unsafe fix held back needs a person's decision as a manual one does)
        manual = sum(1 for _, plan in pr.run.plans if plan.status in ("manual", "unsafe"))
        if pr.action not in ("nothing-to-fix", "closed"):
            plans = fixed_plans(pr.run)
            fixed = len(plans)
            unsafe = sum(1 for _, plan in plans if plan.fix is not None
                         and plan.fix.applicability == Applicability.UNSAFE)
    return RepoResult(repository, ERROR if pr.errors else DONE, pr.action, pr.message,
                      pr.pull.number if pr.pull else None, pr.pull.url if pr.pull else None,
                      fixed, unsafe, manual, tuple(pr.errors), tuple(pr.warnings))


def repository_result(repository: str, pr: PrResult | None, error: Exception | None) -> RepoResult:
    """The result of ``acr-fix pr``: its PrResult, or the error that stopped it."""
    if pr is not None:
        return result_from_pr(repository, pr)
    return RepoResult(repository, ERROR, message=str(error), errors=(str(error),))


def write_result(path: Path, result: RepoResult) -> None:
    """Write one repository's result file (atomically)."""
    _write_json(path, result.to_json())


# -- the state file ---------------------------------------------------------------------------


def load_state(path: Path) -> dict[str, RepoResult]:
    """Results of an earlier run from its state file ({} when there is none yet). Raises
    ResultFileError when the file is there but is not a state file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultFileError(f"{path}: cannot read the state file ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFileError(f"{path}:{exc.lineno}: not JSON ({exc.msg}); delete it to start the campaign afresh") from None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("repositories"), dict):
        raise ResultFileError(f"{path}: not an acr-fix fleet state file (version {STATE_VERSION}); delete it to start afresh")
    return {name: RepoResult.from_json(item, f"{path}: {name}") for name, item in data["repositories"].items()}


def _write_json(path: Path, data: Any) -> None:
    """Write atomically (a temporary file in the same folder, then a rename) what was checked
    to read back the same, so a run stopped half way never leaves half a file."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if json.loads(text) != data:  # pragma: no cover - json round-trips what it wrote
        raise ResultFileError(f"{path}: the JSON would not read back the same")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def result_file_name(repository: str) -> str:
    """``owner__name.json``: GitHub account names have no ``_``, so this is unambiguous."""
    return repository.replace("/", "__") + ".json"


# -- the campaign -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    """How to run ``acr-fix pr`` in each repository. ``request`` is the template of every
    repository's PrRequest (its ``repository`` is filled in per target); ``settings`` builds
    options and suppressions from a checkout, as ``acr-fix pr`` does."""

    request: PrRequest
    settings: Settings
    server_url: str = DEFAULT_SERVER_URL      # clone URL of a target the API did not describe
    concurrency: int = 4
    state_path: Path | None = None
    results_dir: Path | None = None
    github: ClientFactory | None = None       # tests pass one with a fake clock
    git_env: Mapping[str, str] | None = field(default=None, repr=False)


def run_campaign(targets: Sequence[Target], campaign: Campaign,
                 on_result: Callable[[RepoResult, bool], None] | None = None) -> list[RepoResult]:
    """Run the campaign over ``targets`` with at most ``campaign.concurrency`` repositories
    at once; returns one result per target, in the targets' order. Repositories the state
    file records as finished are not run again (``on_result`` gets them with True). One
    repository's failure never stops the others; a bug is reported as that repository's error."""
    if campaign.concurrency < 1:
        raise ConfigurationError(f"--concurrency {campaign.concurrency}: run at least one repository at a time")
    if campaign.request.dry_run:
        # A preview did nothing, so it finishes nothing: a real run must not resume past it.
        campaign = replace(campaign, state_path=None)
    state = load_state(campaign.state_path) if campaign.state_path else {}
    lock = threading.Lock()
    results: dict[str, RepoResult] = {}
    todo: list[Target] = []
    seen: set[str] = set()
    for target in targets:
        if target.repository in seen:   # twice in the list: one run (two would race on its branch)
            continue
        seen.add(target.repository)
        earlier = state.get(target.repository)
        if earlier is not None and earlier.status in FINISHED:
            results[target.repository] = earlier
            if on_result:
                on_result(earlier, True)
        else:
            todo.append(target)

    def record(result: RepoResult) -> None:
        with lock:
            results[result.repository] = result
            state[result.repository] = result
            if campaign.results_dir is not None:
                write_result(campaign.results_dir / result_file_name(result.repository), result)
            if campaign.state_path is not None:
                _write_json(campaign.state_path, {"version": STATE_VERSION,
                                                  "repositories": {k: v.to_json() for k, v in state.items()}})
            if on_result:
                on_result(result, False)

    if todo:
        pool = ThreadPoolExecutor(max_workers=min(campaign.concurrency, len(todo)))
        try:
            futures = [pool.submit(fix_repository, target, campaign) for target in todo]
            for future in as_completed(futures):
                record(future.result())
        except BaseException:
            # Ctrl-C (or a state file that cannot be written): let the repositories under way
            # finish, start no more. The state file holds what finished; a rerun resumes.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    return [results[t.repository] for t in targets]


def fix_repository(target: Target, campaign: Campaign) -> RepoResult:
    """Clone ``target`` shallow, run ``acr-fix pr`` in the clone, remove the clone. Never
    raises: every failure is the result's error, its message redacted of the token."""
    redact = Redactor([campaign.request.token or ""])
    workdir = Path(tempfile.mkdtemp(prefix="acr-fix-fleet-"))
    try:
        clone = workdir / re.sub(r"[^A-Za-z0-9_.-]", "_", target.repository.split("/")[-1])
        url = target.clone_url or f"{campaign.server_url.rstrip('/')}/{target.repository}.git"
        git = Git(workdir, token=campaign.request.token, env=campaign.git_env, redact=redact)
        git.run("clone", "--quiet", "--depth=1", "--no-tags", "--", url, str(clone), url=url)
        if git.at(clone).rev_parse("HEAD") is None:
            return RepoResult(target.repository, SKIPPED, message="empty repository: no commits to fix")
        request = replace(campaign.request, repository=target.repository, paths=())
        pr = open_or_update_pr(request, campaign.settings, cwd=clone, github=campaign.github, git_env=campaign.git_env)
        return result_from_pr(target.repository, pr)
    except FixerError as exc:
        text = redact(str(exc))
        if isinstance(exc, PushRejected) and re.search(r"\b403\b", text):
            text += f"; the token needs 'contents: write' on {target.repository} (or the repository is archived)"
        return RepoResult(target.repository, ERROR, message=text, errors=(text,))
    except Exception as exc:  # one repository's bug must not end the campaign; said as such
        text = redact(f"internal error: {type(exc).__name__}: {exc}")
        return RepoResult(target.repository, ERROR, message=text, errors=(text,))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def load_results(paths: Iterable[Path]) -> list[RepoResult]:
    """Results from JSON files and folders of them (every ``*.json`` below, as the workflow's
    downloaded artifacts are laid out). A repository found twice keeps its last result.
    Raises ResultFileError naming the file (and line) that is not a result."""
    found: dict[str, RepoResult] = {}
    for path in paths:
        if not path.exists():
            raise ResultFileError(f"{path}: no such file or folder of results")
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ResultFileError(f"{file}: cannot read the result ({exc})") from None
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ResultFileError(f"{file}:{exc.lineno}: not JSON ({exc.msg})") from None
            if isinstance(data, dict) and data.get("version") == STATE_VERSION and isinstance(data.get("repositories"), dict) \
                    and "repository" not in data:
                continue  # a state file kept beside the results: its results are in their own files
            result = RepoResult.from_json(data, str(file))
            found[result.repository] = result
    return list(found.values())


__all__: Sequence[str] = ("RepoResult", "Campaign", "ResultFileError", "run_campaign", "fix_repository",
                          "result_from_pr", "repository_result", "write_result", "load_state", "load_results", "result_file_name",
                          "DONE", "SKIPPED", "ERROR")
