"""Consumers of registries outside the templates: azd services and CI pipelines.

`azure.yaml` services that azd builds and pushes (host `containerapp` or `aks`, or a
`docker` section), GitHub workflows (`.github/workflows/*.yml`) and Azure Pipelines
(`azure-pipelines*.yml`, `.azure-pipelines/`, `.pipelines/`) that log in to or push to
`<name>.azurecr.io` (`docker push`, `docker login`, `az acr build`, `az acr login`,
`docker/login-action`...). ``find_repository_consumers`` reads them once per run; each
Consumer is matched to registries by name or login server (``RepositoryConsumers.for_registry``),
an azd service also to the registries of its project's infra folder. Files that do not
parse are skipped: they are not templates, and a CI file acr-fix cannot read is no reason
to stop a run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .consumers import Consumer, ConsumerKind

MAX_PIPELINE_BYTES = 1024 * 1024
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".terraform", "bin", "obj"}
_AZD_DEPTH = 3   # azure.yaml files are looked for this many folders deep

# `az acr login --name x`, `az acr build --registry x` (any option order), login servers.
_ACR_COMMAND = re.compile(r"\baz\s+acr\s+(login|build|import|run|task)\b([^\n;&|]*)", re.IGNORECASE)
_REGISTRY_OPTION = re.compile(r"(?:--name|-n|--registry|-r)(?:\s+|=)[\"']?([^\s\"']+)")
_LOGIN_SERVER = re.compile(r"([A-Za-z0-9$({})._-]+?)\.azurecr\.io", re.IGNORECASE)
_DOCKER_PUSH = re.compile(r"\b(?:docker|podman)\s+(?:image\s+)?push\b", re.IGNORECASE)
_ATTACH_ACR = re.compile(r"\baz\s+aks\s+(?:create|update)\b[^\n;&|]*?--attach-acr(?:\s+|=)[\"']?([^\s\"']+)",
                         re.IGNORECASE)
_DOCKER_LOGIN = re.compile(r"\b(?:docker|podman)\s+login\b", re.IGNORECASE)
# ${{ env.NAME }} / ${{ vars.NAME }} (GitHub), $(NAME) (Azure Pipelines), $NAME / ${NAME} (shell)
_VARIABLE = re.compile(r"\$\{\{\s*(?:env|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\$\(([A-Za-z_][A-Za-z0-9_.]*)\)"
                       r"|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"[a-z0-9]{5,50}")  # what a registry name can be

_TASKS_NEED = ("a dedicated ACR Tasks agent pool in the registry's virtual network (az acr agentpool), or "
               "networkRuleBypassAllowedForTasks; a build from a hosted runner also needs the runner's address "
               "in --ip-rule to upload its context")


@dataclass(frozen=True)
class RepositoryConsumer:
    """A consumer found outside the templates, with the registries it names: lower-case
    names (`contosoacr` from `contosoacr.azurecr.io`), or the infra folder whose registries
    it deploys to (azd)."""

    consumer: Consumer
    names: frozenset[str] = frozenset()
    infra: Path | None = None


@dataclass
class RepositoryConsumers:
    found: list[RepositoryConsumer] = field(default_factory=list)

    def for_registry(self, names: list[str], template: Path) -> list[Consumer]:
        """The consumers that use a registry called one of ``names`` (as declared, as resolved),
        or that azd deploys with the infra folder ``template`` lies in."""
        lowered = {n.lower() for n in names if n}
        where = os.path.abspath(template)
        out: list[Consumer] = []
        for item in self.found:
            if item.names & lowered:
                out.append(item.consumer)
            elif item.infra is not None and where.startswith(os.path.abspath(item.infra) + os.sep):
                out.append(item.consumer)
        return out


def find_repository_consumers(root: Path) -> RepositoryConsumers:
    """Every azd service and CI pipeline under ``root`` that pushes to or pulls from a registry."""
    result = RepositoryConsumers()
    for path in _azd_files(root):
        result.found.extend(azd_consumers(path, _load_yaml(path)))
    for path, flavour in _pipeline_files(root):
        data = _load_yaml(path)
        if data is not None:
            result.found.extend(pipeline_consumers(path, data, flavour))
    return result


def _azd_files(root: Path) -> Iterator[Path]:
    base = len(Path(root).parts)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).parts) - base
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")) if depth < _AZD_DEPTH else []
        for name in ("azure.yaml", "azure.yml"):
            if name in files:
                yield Path(folder) / name


def _pipeline_files(root: Path) -> Iterator[tuple[Path, str]]:
    root = Path(root)
    workflows = root / ".github" / "workflows"
    if workflows.is_dir():
        for path in sorted(workflows.iterdir()):
            if path.suffix.lower() in (".yml", ".yaml") and path.is_file():
                yield path, "github"
    for path in sorted(root.glob("azure-pipelines*.y*ml")):
        yield path, "azure"
    for folder in (".azure-pipelines", ".pipelines", ".azuredevops", "pipelines", ".ado"):
        if (root / folder).is_dir():
            for path in sorted((root / folder).rglob("*.y*ml")):
                yield path, "azure"


def _load_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        if path.stat().st_size > MAX_PIPELINE_BYTES:
            return None
        text = path.read_text(encoding="utf-8-sig")
        return YAML(typ="rt").load(text)
    except (OSError, UnicodeDecodeError, YAMLError, ValueError):
        return None


def _line(node: Any, key: Any = None) -> int:
    """1-based line of ``node`` (a ruamel mapping or list), or of its item ``key``."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 1
    try:
        if key is not None:
            return (lc.key(key)[0] if isinstance(key, str) else lc.item(key)[0]) + 1
        return lc.line + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return (lc.line or 0) + 1


# --------------------------------------------------------------------------- azd

def azd_consumers(path: Path, data: Any) -> list[RepositoryConsumer]:
    """The services of an `azure.yaml` that azd builds into images and pushes to the
    project's registry (`azd deploy` from wherever it runs)."""
    if not isinstance(data, dict):
        return []
    services = data.get("services")
    infra = data.get("infra")
    infra_path = infra.get("path") if isinstance(infra, dict) and isinstance(infra.get("path"), str) else "infra"
    project = path.parent
    out: list[RepositoryConsumer] = []
    for name, service in (services.items() if isinstance(services, dict) else ()):
        if not isinstance(service, dict):
            continue
        host = str(service.get("host", "")).lower()
        docker = service.get("docker")
        if host not in ("containerapp", "aks") and not isinstance(docker, dict):
            continue
        registry = str(docker.get("registry", "")) if isinstance(docker, dict) else ""
        remote = isinstance(docker, dict) and docker.get("remoteBuild") is True
        how = "`azd deploy` (remote build with ACR Tasks)" if remote else "`azd deploy` (docker push)"
        consumer = Consumer(kind=ConsumerKind.AZD, what=f"azd service '{name}' (host {host or 'docker'})",
                            path=path, line=_line(services, name), how=how, in_azure=False, pushes=True,
                            needs_instead=_TASKS_NEED if remote else "")
        names = _names_in(registry, {})
        out.append(RepositoryConsumer(consumer, names, None if names else (project / infra_path)))
    return out


# --------------------------------------------------------------------------- CI

def pipeline_consumers(path: Path, data: Any, flavour: str) -> list[RepositoryConsumer]:
    """The jobs of a GitHub workflow (``flavour`` "github") or an Azure Pipeline ("azure")
    that log in to, push to or build in a registry they name."""
    if not isinstance(data, dict):
        return []
    label = f"workflow '{data.get('name') or path.stem}'" if flavour == "github" else f"pipeline '{path.name}'"
    variables = _variables(data.get("env")) | _variables(data.get("variables"))
    out: list[RepositoryConsumer] = []
    for job_name, job, self_hosted in _jobs(data, flavour):
        scope = variables | _variables(job.get("env")) | _variables(job.get("variables"))
        # one consumer per job and registry: its first use's line, every way it uses it
        uses: dict[frozenset[str], tuple[int, list[str]]] = {}
        for step, step_line in _steps(job):
            step_scope = scope | _variables(step.get("env"))
            for how, names in _step_uses(step, step_scope):
                if names:
                    hows = uses.setdefault(names, (step_line, []))[1]
                    if how not in hows:
                        hows.append(how)
        for names, (line, hows) in uses.items():
            if "az aks --attach-acr" in hows:
                # the cluster pulls (its kubelet identity gets AcrPull), not the job
                hows.remove("az aks --attach-acr")
                out.append(RepositoryConsumer(Consumer(
                    kind=ConsumerKind.AKS, what=f"the AKS cluster that {label} job '{job_name}' attaches",
                    path=path, line=line, how="AcrPull from `az aks --attach-acr`"), names))
                if not hows:
                    continue
            consumer = Consumer(
                kind=ConsumerKind.CI, what=f"{label} job '{job_name}'" + (" (self-hosted runner)" if self_hosted else ""),
                path=path, line=line, how=", ".join(hows), in_azure=self_hosted,
                pushes=any("login" not in how for how in hows),
                needs_instead=_TASKS_NEED if hows == ["az acr build"] else "")
            out.append(RepositoryConsumer(consumer, names))
    return out


def _variables(node: Any) -> dict[str, str]:
    """Literal variables: a mapping (`env:`, `variables:` as a map) or Azure Pipelines'
    list of `- name: x / value: y`."""
    found: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (str, int)):
                found[str(key)] = str(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str):
                found[item["name"]] = item["value"]
    return found


def _jobs(data: dict, flavour: str) -> Iterator[tuple[str, dict, bool]]:
    """(name, job, runs on a self-hosted runner / agent pool) for every job."""
    if flavour == "github":
        jobs = data.get("jobs")
        for name, job in (jobs.items() if isinstance(jobs, dict) else ()):
            if isinstance(job, dict):
                runs_on = job.get("runs-on")
                labels = runs_on if isinstance(runs_on, list) else [runs_on]
                yield str(name), job, any(str(label).lower() == "self-hosted" for label in labels)
        return
    # Azure Pipelines: stages -> jobs -> steps, or jobs -> steps, or steps at the top
    stages = data.get("stages")
    job_lists = [s.get("jobs") for s in stages if isinstance(s, dict)] if isinstance(stages, list) else [data.get("jobs")]
    pool = data.get("pool")
    seen = False
    for jobs in job_lists:
        for job in jobs if isinstance(jobs, list) else ():
            if isinstance(job, dict):
                seen = True
                name = job.get("job") or job.get("deployment") or "job"
                yield str(name), _deployment_steps(job), _self_hosted(job.get("pool", pool))
    if not seen and isinstance(data.get("steps"), list):
        yield "(steps)", data, _self_hosted(pool)


def _deployment_steps(job: dict) -> dict:
    """A deployment job keeps its steps under strategy.<kind>.deploy.steps."""
    if isinstance(job.get("steps"), list):
        return job
    strategy = job.get("strategy")
    for kind in (strategy.values() if isinstance(strategy, dict) else ()):
        deploy = kind.get("deploy") if isinstance(kind, dict) else None
        if isinstance(deploy, dict) and isinstance(deploy.get("steps"), list):
            merged = dict(job)
            merged["steps"] = deploy["steps"]
            return merged
    return job


def _self_hosted(pool: Any) -> bool:
    """An Azure Pipelines pool without vmImage is a self-hosted (or Managed DevOps) pool."""
    if isinstance(pool, str):
        return True
    return isinstance(pool, dict) and "vmImage" not in pool and bool(pool.get("name"))


def _steps(job: dict) -> Iterator[tuple[dict, int]]:
    steps = job.get("steps")
    for index, step in enumerate(steps if isinstance(steps, list) else ()):
        if isinstance(step, dict):
            yield step, _line(steps, index)


def _step_uses(step: dict, scope: dict[str, str]) -> list[tuple[str, frozenset[str]]]:
    """(how the step uses a registry, the registry names it uses) for one step."""
    uses: list[tuple[str, frozenset[str]]] = []
    action = str(step.get("uses", "")).lower()
    inputs = step.get("with") if isinstance(step.get("with"), dict) else step.get("inputs")
    inputs = inputs if isinstance(inputs, dict) else {}
    if action.startswith(("docker/login-action", "azure/docker-login")):
        server = str(inputs.get("registry", inputs.get("login-server", "")))
        uses.append((action.split("@", 1)[0], _names_in(server, scope)))
    elif action.startswith("docker/build-push-action") and str(inputs.get("push", "")).lower() == "true":
        uses.append(("docker/build-push-action", _names_in(str(inputs.get("tags", "")), scope)))
    elif action.startswith("azure/container-apps-deploy-action"):
        names = _names_in(str(inputs.get("acrName", "")), scope, bare=True) | \
            _names_in(str(inputs.get("registryUrl", "")), scope)
        uses.append(("azure/container-apps-deploy-action", names))
    task = str(step.get("task", "")).lower()
    if task.startswith("docker@"):
        command = str(inputs.get("command", "buildAndPush"))
        if command.lower() in ("push", "buildandpush", "login"):
            uses.append((f"Docker task ({command})", _names_in(str(inputs.get("repository", "")), scope)))
    scripts = [step.get(key) for key in ("run", "script", "bash", "pwsh", "powershell", "inlineScript")]
    scripts += [inputs.get(key) for key in ("inlineScript", "script")]
    for script in scripts:
        if isinstance(script, str):
            uses.extend(_script_uses(script, scope))
    return uses


def _script_uses(script: str, scope: dict[str, str]) -> list[tuple[str, frozenset[str]]]:
    """Registry uses in a shell script: `az acr login/build ...`, `docker push/login x.azurecr.io`."""
    local = dict(scope)
    for match in re.finditer(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=[\"']?([^\s\"'$;]+)[\"']?\s*$", script, re.M):
        local[match.group(1)] = match.group(2)  # ACR_NAME=contosoacr earlier in the script
    uses: list[tuple[str, frozenset[str]]] = []
    for command in _ACR_COMMAND.finditer(script):
        option = _REGISTRY_OPTION.search(command.group(2))
        if option is not None:
            uses.append((f"az acr {command.group(1).lower()}", _names_in(option.group(1), local, bare=True)))
    for attach in _ATTACH_ACR.finditer(script):
        # `az aks create/update --attach-acr x`: the cluster's kubelet identity gets AcrPull
        uses.append(("az aks --attach-acr", _names_in(attach.group(1), local, bare=True)))
    for line in script.splitlines():
        if _DOCKER_PUSH.search(line):
            uses.append(("docker push", _names_in(line, local)))
        elif _DOCKER_LOGIN.search(line):
            uses.append(("docker login", _names_in(line, local)))
    return uses


def _expand(text: str, scope: dict[str, str]) -> str:
    """``text`` with the variables ``scope`` knows put in (others left as they are)."""
    def value(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        return scope.get(name, match.group(0))
    for _ in range(3):  # a variable made of variables
        expanded = _VARIABLE.sub(value, text)
        if expanded == text:
            break
        text = expanded
    return text


def _names_in(text: str, scope: dict[str, str], bare: bool = False) -> frozenset[str]:
    """The registry names ``text`` points at: the `<name>` of each `<name>.azurecr.io`, or
    (``bare``: an `az acr --name` value) the text itself; only names a registry can have."""
    expanded = _expand(text, scope)
    names = {m.group(1).lower().rsplit("/", 1)[-1] for m in _LOGIN_SERVER.finditer(expanded)}
    if bare and not names:
        names.add(expanded.strip().lower())
    return frozenset(n for n in names if _NAME.fullmatch(n))


# --------------------------------------------------------------------------- login servers in other files

_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _login_servers(raw: bytes) -> Iterator[tuple[int, str]]:
    """(offset, lower-case name) of each `<name>.azurecr.io` in ``raw``: the domain is found
    by plain searches and the name read backwards from it (a pattern that starts with the
    name tries every offset of the file)."""
    for domain in (b".azurecr.io", b".AZURECR.IO"):
        at = raw.find(domain)
        while at >= 0:
            begin = at
            while begin > 0 and raw[begin - 1] in _NAME_BYTES and at - begin < 51:
                begin -= 1
            if 5 <= at - begin <= 50:
                yield begin, raw[begin:at].decode("ascii").lower()
            at = raw.find(domain, at + len(domain))


def login_server_consumers(paths: list[Path], names: dict[str, list[Path]],
                           max_bytes: int = MAX_PIPELINE_BYTES * 8) -> list[RepositoryConsumer]:
    """Literal login servers (`contosoacr.azurecr.io`) of registries called one of ``names``
    in other files of the run: a parameter file that hands it to a container app, an image
    reference in another template. ``names`` maps a lower-case registry name to the files
    that declare it, whose own pullers the readers already found (they are skipped)."""
    found: list[RepositoryConsumer] = []
    if not names:
        return found
    for path in paths:
        try:
            with open(path, "rb") as handle:
                # (sized by fstat: read(n) allocates n bytes whatever the file holds)
                if os.fstat(handle.fileno()).st_size > max_bytes:
                    continue
                raw = handle.read()
        except OSError:
            continue
        # (plain searches first: lower-casing every file of a big run cost more than the rest;
        # the domain is written in lower case, or all in capitals)
        if b"azurecr" not in raw and b"AZURECR" not in raw:
            continue
        seen: set[str] = set()
        for start, name in _login_servers(raw):
            homes = names.get(name)
            if homes is None or name in seen or any(os.path.abspath(h) == os.path.abspath(path) for h in homes):
                continue
            seen.add(name)  # one consumer per file and registry: its first mention
            line = raw.count(b"\n", 0, start) + 1
            consumer = Consumer(kind=ConsumerKind.LOGIN_SERVER, what=f"{path.name} names {name}.azurecr.io",
                                path=path, line=line, how="its literal login server")
            found.append(RepositoryConsumer(consumer, frozenset({name})))
    return found
