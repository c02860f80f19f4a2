"""Writing: the one stage that changes template files on disk.

The files of one fix (a template and its parameter file or module caller) are written as a
transaction. Before anything is renamed, a journal names the group and, beside every file,
a recovery copy of its original (a hard link to it, or a copy for a hard-linked file) and a
temporary file with its new bytes are made and fsync'ed, with the free space checked first;
so every step that can run out of space or fail comes before the first file changes. Each
file is then compared with what was read (size, mtime, inode, content hash) at the last
moment, right before its rename (on Linux an atomic exchange, which shows the file it
replaced, so a save after that last look is swapped back too), or, for a file with several
hard links, under an exclusive lock right before it is overwritten in place; a change refuses
the file and puts the group back, keeping the other save. A later run that finds a journal (the process was killed)
finishes or rolls back that group and says so (see ``recover``).

Only files under the paths given (``WriteScope``) are ever written.
"""

from __future__ import annotations

from .disk import JOURNAL_SUFFIX, LEFTOVER_SUFFIXES, RECOVERY_SUFFIX, TMP_SUFFIX, check_writable, interrupt_deferred
from .recover import leftovers_in, recover
from .scope import WriteScope, escaped_path
from .stage import at_real_location, refuse, refuse_outside, write_groups, write_result_group, write_results
from .transaction import GroupOutcome, Member, replace_bytes, write_group

__all__ = ["JOURNAL_SUFFIX", "LEFTOVER_SUFFIXES", "RECOVERY_SUFFIX", "TMP_SUFFIX", "GroupOutcome", "Member",
           "WriteScope", "at_real_location", "check_writable", "escaped_path", "interrupt_deferred", "leftovers_in",
           "recover", "refuse", "refuse_outside", "replace_bytes", "write_group", "write_groups",
           "write_result_group", "write_results"]
