"""The acr-fix command line: parse flags, call the library, print, choose the exit code.

``acr-fix --dry-run|--write [PATHS]`` is the main job; ``acr-fix init``, ``acr-fix suppress``
and ``acr-fix pr`` are separate commands (dispatched in ``main``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Literal, Optional, get_args

import typer

from . import __version__, fix_flags
from .config import write_starter_config
from .errors import ConfigError, FixerError
from .escape import for_actions_log, for_report, for_terminal
from .report import nothing_found, render_concise, render_json, render_text
from .run import RunResult, run, write_fixes
from .settings import Settings
from .suppressions import add_psrule_suppression

OutputFormat = Literal["text", "concise", "json", "sarif", "markdown", "github", "github-output", "github-summary"]
FORMATS = get_args(OutputFormat)
COMMANDS = ("init", "suppress", "pr", "fleet")
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(add_completion=False, context_settings=HELP_OPTIONS,
                  help="Find and fix Azure Container Registries open to the internet "
                  "(PSRule Azure.ACR.Firewall) in ARM JSON and Bicep templates.")
commands = typer.Typer(add_completion=False, context_settings=HELP_OPTIONS, help="acr-fix commands.")
RICH_MARKUP = app.rich_markup_mode  # typer's default: help and errors drawn with rich

EXIT_HELP = """Exit codes: 0 nothing left to do; 1 changes proposed (dry run) or findings that need
manual action; 2 usage error or unreadable/unparsable input (other files still processed)."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"acr-fix {__version__}")
        raise typer.Exit(0)


def _fail(message: str) -> None:
    _stderr(f"acr-fix: error: {message}")
    raise typer.Exit(2)


def _stderr(line: str) -> None:
    """One message line on stderr, control characters escaped (names come from templates)."""
    try:
        typer.echo(_for_log(for_terminal(line)), err=True)
    except OSError:
        pass  # stderr itself is gone: nothing left to tell anyone


def _for_log(text: str) -> str:
    return for_actions_log(text) if os.environ.get("GITHUB_ACTIONS") == "true" else text


@app.command(epilog=EXIT_HELP)
def check(
    paths: List[Path] = typer.Argument(None, help="Files or directories (recursive). Default: current directory."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Preview: summary per registry and a unified diff; writes nothing."),
    write: bool = typer.Option(False, "--write", help="Apply the fixes to the files."),
    strategy: Optional[fix_flags.Strategy] = fix_flags.strategy(),
    ip_rule: List[str] = fix_flags.ip_rule(),
    no_trusted_services: bool = fix_flags.no_trusted_services(),
    no_sku_upgrade: bool = fix_flags.no_sku_upgrade(),
    premium_only: bool = fix_flags.premium_only(),
    exclude: List[str] = fix_flags.exclude(),
    extend_exclude: List[str] = fix_flags.extend_exclude(),
    no_gitignore: bool = fix_flags.no_gitignore(),
    force_exclude: bool = fix_flags.force_exclude(),
    config: Optional[Path] = fix_flags.config(),
    output_format: OutputFormat = typer.Option("text", "--output-format", "--format", help="Report format: text (per registry, with diffs), concise (one line per finding), json, sarif, markdown, github (workflow annotations), github-output or github-summary."),
    output: Optional[Path] = typer.Option(None, "--output", help="Write the report to this file instead of stdout."),
    report: List[str] = typer.Option([], "--report", metavar="FORMAT=FILE", help="Also write a report in FORMAT to FILE, from the same run (repeatable)."),
    annotation_level: str = typer.Option("error", "--annotation-level", help="error | warning | notice: the level of --format github annotations for open registries."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only findings and errors; no diff, summary or progress."),
    show_passing: bool = typer.Option(False, "--show-passing", help="Also list the registries that pass (the JSON report always has them)."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour. Colour is used on a terminal unless NO_COLOR is set; FORCE_COLOR turns it on elsewhere."),
    max_file_size: Optional[int] = fix_flags.max_file_size(),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: chosen by repository size)."),
    unsafe_fixes: bool = fix_flags.unsafe_fixes(),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Preview (--dry-run) or apply (--write) fixes for open container registries."""
    if dry_run == write:
        _fail("give exactly one of --dry-run (preview) or --write (apply), e.g. acr-fix --dry-run .; "
              "acr-fix --help lists the options and commands")
    reports = [_parse_report(value) for value in report]
    from .workflow import LEVELS
    if annotation_level not in LEVELS:
        _fail(f"--annotation-level must be one of {', '.join(LEVELS)}, not {annotation_level!r}")
    root = Path.cwd()
    cli_values = fix_flags.values(strategy=strategy, ip_rule=ip_rule, no_trusted_services=no_trusted_services,
                                  no_sku_upgrade=no_sku_upgrade, premium_only=premium_only, exclude=exclude,
                                  max_file_size=max_file_size, jobs=jobs, unsafe_fixes=unsafe_fixes,
                                  extend_exclude=extend_exclude)
    try:
        settings = fix_flags.found_settings(root, cli_values, config, gitignore=not no_gitignore,
                                            force_exclude=force_exclude)
        options = settings.options_in(str(root))
    except ConfigError as exc:
        _fail(str(exc))
    # NO_COLOR: no escape codes at all, so no progress bar either (it moves the cursor)
    show_progress = not quiet and sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    with _Progress(show_progress) as progress:
        try:
            result = run(list(paths or [Path(".")]), options, root=root, settings=settings,
                         progress=progress.update if show_progress else None, keep_new_texts=write,
                         recover=write)
        except ConfigError as exc:   # a settings file found on the way (acr-fix.yaml, ps-rule.yaml)
            _fail(str(exc))
    if write:
        write_fixes(result)
    mode = "write" if write else "dry-run"
    # --report: more reports from this one run (the Action: SARIF, outputs, job summary).
    sarif_file = next((str(path) for fmt, path in reports if fmt == "sarif"),
                      str(output) if output_format == "sarif" and output is not None else None)
    for fmt, path in reports:
        _emit(result, fmt, path, quiet, no_color, mode, show_passing, annotation_level, sarif_file)
    _emit(result, output_format, output, quiet, no_color, mode, show_passing, annotation_level, sarif_file)
    if not result.plans and not quiet:
        _stderr(f"acr-fix: warning: {nothing_found(result, paths or [Path('.')])}")
    for warning in result.warnings:
        _stderr(f"acr-fix: warning: {warning}")
    for error in _errors(result):
        _stderr(f"acr-fix: {error}")
    raise typer.Exit(result.exit_code())


class _Progress:
    """A rich progress bar on stderr for big runs on a terminal; nothing otherwise. The bar
    (and rich) starts with the first update of a run of 50 templates or more, so a small run
    neither imports rich nor writes escape codes."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.task = None

    def __enter__(self) -> "_Progress":
        return self

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[registries]} registries"), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("scan", total=None, registries=0)

    def update(self, done: int, total: int, registries: int) -> None:
        if not self.enabled or total < 50:
            return
        if self.bar is None:
            self._start()
        self.bar.update(self.task, completed=done, total=total, registries=registries)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _errors(result: RunResult) -> list[str]:
    return list(result.errors) + [f.error for f in result.files if f.error and f.status in ("failed", "skipped")]


def use_color(no_color: bool, stream) -> bool:
    """Colour for a report on ``stream``: never with --no-color or NO_COLOR set (to anything
    but ""), always with FORCE_COLOR set, else on a terminal (no-color.org, force-color.org)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def _emit(result: RunResult, output_format: str, output: Optional[Path], quiet: bool, no_color: bool, mode: str,
          show_passing: bool = False, annotation_level: str = "error", sarif_file: str | None = None) -> None:
    if output_format == "json":
        text = render_json(result, mode)
    elif output_format == "sarif":
        from .sarif import render_sarif
        text = render_sarif(result)
    elif output_format == "markdown":
        from .markdown import render_markdown
        text = render_markdown(result)
    elif output_format.startswith("github"):
        text = _github_report(result, output_format, annotation_level, sarif_file)
    else:
        color = output is None and use_color(no_color, sys.stdout)
        render = render_concise if output_format == "concise" else render_text
        text = for_report(render(result, color=color, quiet=quiet, show_passing=show_passing), color)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            _fail(f"{output}: cannot write the report ({exc.strerror or exc})")
        return
    try:
        sys.stdout.write(_for_log(text) if output_format in ("text", "concise") else text)
        sys.stdout.flush()
    except UnicodeEncodeError:
        sys.stdout.buffer.write(text.encode("utf-8", "backslashreplace"))
        sys.stdout.flush()
    except BrokenPipeError:
        _fail("cannot write the report to stdout (its reader has gone)")
    except OSError as exc:
        _fail(f"cannot write the report to stdout ({exc.strerror or exc})")


def _github_report(result: RunResult, output_format: str, annotation_level: str, sarif_file: str | None) -> str:
    from . import workflow

    if output_format == "github":
        return workflow.render_github(result, annotation_level)
    if output_format == "github-output":
        return workflow.render_github_output(result, sarif_file)
    return workflow.render_step_summary(result)


def _parse_report(value: str) -> tuple[str, Path]:
    """``--report FORMAT=FILE`` -> (format, path); a one-line error (exit 2) otherwise."""
    fmt, sep, path = value.partition("=")
    if not sep or not path:
        _fail(f"--report {value!r}: give FORMAT=FILE, e.g. --report sarif=acr-fix.sarif")
    if fmt not in FORMATS or fmt in ("text", "concise"):
        _fail(f"--report {value!r}: FORMAT must be one of "
              f"{', '.join(f for f in FORMATS if f not in ('text', 'concise'))}")
    return fmt, Path(path)


@commands.command("init")
def init() -> None:
    """Write a commented starter acr-fix.yaml in the current directory (never overwrites)."""
    try:
        path = write_starter_config(Path.cwd())
    except ConfigError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {path.name}: edit it, then run acr-fix --dry-run")


@commands.command("suppress")
def suppress(
    name: str = typer.Argument(..., help="Registry name as deployed (the resource's name)."),
    reason: str = typer.Option(..., "--reason", help="Why this registry stays open; kept as a comment."),
) -> None:
    """Add a registry to ps-rule.yaml's Azure.ACR.Firewall suppression list (keeps comments)."""
    try:
        path = add_psrule_suppression(Settings(Path.cwd(), {}).psrule_folder(), name, reason)
    except (ConfigError, FixerError) as exc:
        _fail(str(exc))
    typer.echo(f"{os.path.relpath(path)}: registry '{name}' is suppressed for Azure.ACR.Firewall ({reason})")


def _register_bot() -> None:
    if any(info.name in ("pr", "fleet") for info in commands.registered_commands):
        return  # main() may run more than once in a process (tests, the bot's own callers)
    from .bot.cli import register
    from .bot.fleet_cli import register as register_fleet

    register(commands)
    register_fleet(commands)


# A run allocates millions of small objects (syntax nodes, spans) that reference counting
# frees as soon as a file is done; with the default threshold (700 allocations) the cyclic
# collector walks the live ones again and again, about a tenth of a run (benchmarks/README.md).
# Few of them form cycles, so collecting a hundred times less often costs little memory.
GC_THRESHOLD = 100_000


def _commands_help() -> str:
    """The other commands, one line each (for ``acr-fix --help``): every command registered on
    ``commands``, the bot's too (registered here; a run does not import it)."""
    _register_bot()
    lines = ["Commands (acr-fix COMMAND --help for their options):", ""]
    listed: set[str] = set()
    for info in [*commands.registered_commands, *commands.registered_groups]:
        name = info.name or info.callback.__name__  # type: ignore[union-attr]
        if name in listed:
            continue
        listed.add(name)
        group_help = getattr(getattr(info, "typer_instance", None), "info", None)
        text = info.help or getattr(group_help, "help", None) or (info.callback.__doc__ if info.callback else "") or ""
        lines.append(f"  acr-fix {name}: {str(text).strip().splitlines()[0] if str(text).strip() else ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """The CLI (``fixer.launch.main`` is the installed command, with Ctrl-C and stdout guards)."""
    import gc

    from typer.main import get_command

    from .cli_values import install

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    args = list(sys.argv[1:] if argv is None else argv)
    # typer prints help and usage errors with rich, which keeps bold and dim under NO_COLOR:
    # without rich markup they are plain text, as NO_COLOR asks (no-color.org)
    for typer_app in (app, commands):
        typer_app.rich_markup_mode = None if os.environ.get("NO_COLOR") else RICH_MARKUP
    if args and args[0] in COMMANDS:
        if args[0] in ("pr", "fleet"):
            _register_bot()
        command = get_command(commands)
    else:
        if any(arg in ("-h", "--help") for arg in args):
            app.registered_commands[0].epilog = f"{_commands_help()}\n\n{EXIT_HELP}"
        command = get_command(app)
    # typer would convert each option value through pydantic (slow to import): see cli_values
    install(command)(args=args, prog_name="acr-fix")


if __name__ == "__main__":
    main()
