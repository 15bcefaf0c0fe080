"""``python -m grader``: the same as the ``dlgrade`` command."""

from grader.cli import main

main(prog_name="dlgrade")
