#!/usr/bin/env python3
"""Sweep of public Terraform: acr-fix's planning over folders of repositories, in memory.

    python scripts/terraform_sweep.py ROOT     # ROOT holds one folder per repository

For each repository and each strategy (auto; deny with an IP rule; disable): runs
``fixer.run.run`` (no file is written), counts the Terraform registries by status, and checks
that nothing failed, that every manual finding has a reason, and that every changed .tf /
.tfvars text re-parses and is laid out as `terraform fmt` leaves it (as far as
``fmt.new_fmt_problems`` can tell). Prints one line per strategy; exits 1 on any broken promise.
"""

from __future__ import annotations

import collections
import dataclasses
import sys
from pathlib import Path

from fixer.formats.terraform import parse
from fixer.formats.terraform.fmt import new_fmt_problems
from fixer.options import Options
from fixer.run import run

STRATEGIES = (("auto", ()), ("deny", ("203.0.113.9/32",)), ("disable", ()))


def sweep(root: Path) -> int:
    broken = 0
    repos = sorted(p for p in root.iterdir() if p.is_dir())
    for strategy, rules in STRATEGIES:
        totals: collections.Counter[str] = collections.Counter()
        for repo in repos:
            result = run([repo], Options(strategy=strategy, ip_rules=rules, jobs=1), root=repo)
            for file_result in result.files:
                terraform = file_result.path.suffix in (".tf", ".tfvars")
                if file_result.status == "failed" and terraform:
                    print(f"FAILED {repo.name}/{file_result.display}: {file_result.error}")
                    broken += 1
                for plan in file_result.plans:
                    if plan.registry.doc.kind != "terraform":
                        continue
                    totals[plan.status] += 1
                    if plan.status == "manual" and not plan.manual:
                        print(f"NO REASON {repo.name}/{file_result.display}:{plan.registry.line}")
                        broken += 1
                if terraform and file_result.changed and file_result.new_text is not None:
                    totals["files changed"] += 1
                    parse(dataclasses.replace(file_result.source, text=file_result.new_text))
                    problems = new_fmt_problems(file_result.source.text, file_result.new_text)
                    if problems:
                        print(f"FMT {strategy} {repo.name}/{file_result.display}: {problems[0]}")
                        broken += 1
        print(strategy, dict(sorted(totals.items())))
    return 1 if broken else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit(__doc__)
    sys.exit(sweep(Path(sys.argv[1])))
