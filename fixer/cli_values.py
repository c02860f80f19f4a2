"""Option values converted without pydantic, for the plain types acr-fix's flags use.

typer converts every value that is not a boolean flag through a pydantic ``TypeAdapter``,
built when the value is processed, even when the flag was not given: a one-file run then
spends most of its start-up importing pydantic and building adapters (about 0.1 s, more
than the run itself; benchmarks/README.md). Our flags are strings, integers, paths and
choices, which need none of that. ``install`` gives each such parameter of a command tree
a converter that does the same as typer's (typer's own path and choice checks, the same
``BadParameter`` errors); any other annotation keeps typer's. typer stays the CLI.

It uses two typer internals: a parameter's ``type_descriptor`` and its lazily built
``_runtime_param``. If a typer release renames them, nothing is installed and typer's own
conversion runs (slower, same result); ``tests/test_cli.py`` notices the slowdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, get_args, get_origin


class _Converter:
    """Stands in for typer's runtime parameter: ``coerce(value, param, ctx)``."""

    def __init__(self, convert: Callable[[Any, Any, Any], Any]) -> None:
        self.convert = convert

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        from typer._click.exceptions import BadParameter

        multiple = param.multiple or param.nargs == -1
        if value is None:
            return () if multiple else None
        if multiple and isinstance(value, str):
            raise BadParameter("Value must be an iterable.", ctx=ctx, param=param)
        try:
            if multiple:
                return [self.convert(item, param, ctx) for item in value]
            return self.convert(value, param, ctx)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from exc


def _text(value: Any, param: Any, ctx: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _integer(value: Any, param: Any, ctx: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a valid integer.") from None


_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("", "0", "false", "f", "no", "n", "off")


def _boolean(value: Any, param: Any, ctx: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(f"{value!r} is not a valid boolean.")


def _converter_for(descriptor: Any) -> _Converter | None:
    from typer import _param_types

    annotation = descriptor.annotation
    info = descriptor.parameter_info
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if getattr(info, "parser", None) is not None or descriptor.file_annotation is not None:
        return None
    if descriptor.choices is not None:
        choices, case_sensitive = descriptor.choices, descriptor.case_sensitive

        def choice(value: Any, param: Any, ctx: Any) -> Any:
            return _param_types.coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
        return _Converter(choice)
    if annotation is str:
        return _Converter(_text)
    if annotation is bool:
        return _Converter(_boolean)
    if annotation is int and info.min is None and info.max is None:
        return _Converter(_integer)
    if annotation is Path:
        def path(value: Any, param: Any, ctx: Any) -> Any:
            # typer's own checks (exists, dir_okay, ...); given a Path it needs no pydantic
            return _param_types.coerce_cli_path(Path(_text(value, param, ctx)), info, path_type=Path,
                                                param=param, ctx=ctx)
        return _Converter(path)
    return None


_TYPE_LABELS = {str: "TEXT", int: "INTEGER", Path: "PATH"}


def _label(param: Any, descriptor: Any) -> str:
    """What help shows for a parameter's value: nothing for a flag, the choices for a choice
    (``auto|deny|disable``), the declared metavar, else a word for the type (``TEXT``), as
    click does; never typer's ``<bool>`` or ``<list[str]>``."""
    if getattr(param, "is_flag", False) or descriptor.annotation is bool:
        return ""
    if descriptor.choices is not None:
        return "|".join(str(getattr(c, "value", c)) for c in descriptor.choices)
    if param.metavar is not None:
        return param.metavar
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return _TYPE_LABELS.get(annotation, "VALUE")


def install(command: Any) -> Any:
    """Give every parameter of ``command`` (a click command from ``typer.main.get_command``)
    and of its subcommands a pydantic-free converter where its type allows, and a plain
    help label; returns ``command``."""
    everything = [command]
    for sub in everything:  # the command, its subcommands, theirs (acr-fix fleet plan), ...
        everything.extend(getattr(sub, "commands", {}).values())
    for sub in everything:
        for param in sub.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None:
                continue
            label = _label(param, descriptor)
            if param.param_type_name == "option":
                param.metavar = label  # typer's help shows an option's metavar as it is
            else:
                # an argument's help row is its name (the metavar) and typer's type label
                param.metavar = param.metavar or param.name.upper()
                param.display_type_rich = lambda ctx: ""
            if getattr(param, "_runtime_param", False) is not None:
                continue
            converter = _converter_for(descriptor)
            if converter is not None:
                param._runtime_param = converter
        _label_help_option(sub, (command.context_settings or {}).get("help_option_names"))
    return command


def _label_help_option(command: Any, names: list[str] | None) -> None:
    """The help option (-h/--help) is made by typer when help is shown, as a flag labelled
    ``<bool>``; made here instead (where typer caches it), it is labelled like the others."""
    if getattr(command, "_help_option", False) is not None or not command.add_help_option:
        return
    names = (command.context_settings or {}).get("help_option_names") or names or ["--help"]
    try:
        from typer._click.decorators import help_option

        help_option(list(names))(command)
    except (ImportError, TypeError):  # another typer: its own help option, labelled its way
        return
    command._help_option = command.params.pop()
    command._help_option.metavar = ""
    command._help_option._runtime_param = _Converter(_boolean)
