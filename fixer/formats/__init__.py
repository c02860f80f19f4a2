"""Format readers: each turns a file into a Document and finds its registries.

``reader_for(path)`` picks the reader for a file by its suffix and ``reader_of(doc)`` the one
that made a Document; the rest of acr-fix knows readers only through the ``Reader``
protocol (``base.py``). A reader is imported the first time a file needs it (tree-sitter is
slow to import).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from . import deployments
from .base import TEMPLATE_SUFFIXES

if TYPE_CHECKING:
    from ..model import Document
    from ..workspace import Workspace
    from .base import Reader

# reader -> (the suffixes of the files it reads, those of the templates whose callers it indexes)
_SUFFIXES = {"bicep": ((".bicep", ".bicepparam"), (".bicep",)), "arm": ((".json", ".jsonc"), (".json", ".jsonc")),
             "terraform": ((".tf", ".tfvars"), (".tf",))}
_READER_OF_SUFFIX = {suffix: name for name, (suffixes, _) in _SUFFIXES.items() for suffix in suffixes}
_BICEP_KINDS = ("bicep", "bicepparam")
_TERRAFORM_KINDS = ("terraform", "tfvars")
# reader -> the references of the deployment index its value resolution reads
_DEPLOYMENT_KINDS = {"bicep": (deployments.MODULE, deployments.USING), "arm": (deployments.LINK,),
                     "terraform": ()}   # (Terraform indexes its module calls on first use, per worker)

__all__ = ["TEMPLATE_SUFFIXES", "prepare_workspace", "reader_for", "reader_of"]


class _LazyReader:
    """A reader's facts, with its code imported the first time a method is needed: the
    pre-filter asks every file's reader whether it calls remote modules, and most files never
    get further (importing tree-sitter for them would slow a run's start)."""

    def __init__(self, name: str, calls_remote_modules: bool, parameter_files_by_content: bool,
                 filters_itself: bool = False, parameter_suffixes: tuple[str, ...] = ()) -> None:
        self.name = name
        self.suffixes = _SUFFIXES[name][0]
        self.calls_remote_modules = calls_remote_modules
        self.parameter_files_by_content = parameter_files_by_content
        # whether the reader's own mentions_registry(lowered) is the pre-filter for its files
        # (its module imports no tree-sitter), and the suffixes of its parameter files, whose
        # template_of_parameter_file(path) it answers
        self.filters_itself = filters_itself
        self.parameter_suffixes = parameter_suffixes

    def __getattr__(self, attribute: str) -> Any:   # parse, find_registries, dialect, ...
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if self.name == "bicep":
            from .bicep import READER
        elif self.name == "terraform":
            from .terraform import READER
        else:
            from .arm import READER
        return getattr(READER, attribute)


_READERS = {"bicep": _LazyReader("bicep", calls_remote_modules=True, parameter_files_by_content=False),
            "arm": _LazyReader("arm", calls_remote_modules=False, parameter_files_by_content=True),
            "terraform": _LazyReader("terraform", calls_remote_modules=True, parameter_files_by_content=False,
                                     filters_itself=True, parameter_suffixes=(".tfvars",))}


def _reader(name: str) -> Reader:
    return _READERS[name]  # type: ignore[return-value]


def reader_for(path: Path | str) -> Reader | None:
    """The reader for a file, by its suffix; None for a file of no known kind."""
    name = _READER_OF_SUFFIX.get(Path(path).suffix.lower())
    return _reader(name) if name is not None else None


def reader_of(doc: Document) -> Reader:
    """The reader that made ``doc`` (by its kind: a Bicep file, a Terraform file, else JSON)."""
    if doc.kind in _TERRAFORM_KINDS:
        return _reader("terraform")
    return _reader("bicep" if doc.kind in _BICEP_KINDS else "arm")


def prepare_workspace(workspace: Workspace, files: Iterable[Path], *, import_readers: bool = False) -> None:
    """Build the run's deployment index (``deployments.py``: who calls or uses which
    template) for the readers whose templates are among ``files``, in one pass over the
    files, before any value is resolved. ``import_readers``: import those readers now too
    (before a parallel run forks its workers, so that each one does not import them again)."""
    suffixes = {Path(p).suffix.lower() for p in files}
    names = [name for name, (_, templates) in _SUFFIXES.items() if suffixes.intersection(templates)]
    deployments.prepare(workspace, [kind for name in names for kind in _DEPLOYMENT_KINDS[name]])
    if import_readers:
        for name in names:
            _reader(name).prepare_workspace(workspace)
