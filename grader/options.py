"""Options and parameter types the ``dlgrade`` commands share (grader.cli and each feature's own commands)."""

from __future__ import annotations

import os
from pathlib import Path

import click

__all__ = ["FolderToWrite", "course_option"]

course_option = click.option("--course", "course_file", type=click.Path(dir_okay=False),
                             help="course.yml to use (default: ./course.yml, else the installed course)")


class FolderToWrite(click.Path):
    """A folder a command writes (``--out``, ``--cache``): a usage error before any work where it
    cannot be made, because a file is in its way or a parent is not writable."""

    def __init__(self) -> None:
        super().__init__(file_okay=False)

    def convert(self, value, param, ctx):
        value = super().convert(value, param, ctx)
        existing = Path(value).absolute()
        while not existing.exists() and existing != existing.parent:  # the nearest part that exists
            existing = existing.parent
        if not existing.is_dir():
            self.fail(f"{str(value)!r} cannot be created: {str(existing)!r} is a file", param, ctx)
        if not os.access(existing, os.W_OK | os.X_OK):
            self.fail(f"{str(value)!r} cannot be written: no permission to write in {str(existing)!r}", param, ctx)
        return value
