"""The remediation bot: fix a repository's templates on a branch and open a pull request.

``git.py`` runs git, ``github.py`` talks to the GitHub REST API, ``pr.py`` orchestrates them
around the core pipeline (``fixer.run``) and ``cli.py`` adds the ``acr-fix pr`` command.
The bot never edits template text itself; it only calls the core.
"""
