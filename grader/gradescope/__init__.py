"""Gradescope: the course as a Gradescope autograder, and one submission graded inside it.

- :mod:`grader.gradescope.build`: ``dlgrade gradescope build`` (course -> autograder.zip: setup.sh,
  run_autograder, dlgrade's wheel and the course with its references and hidden tests);
- :mod:`grader.gradescope.run`: what run_autograder runs in Gradescope's container
  (``/autograder/submission`` -> ``/autograder/results/results.json``);
- :mod:`grader.gradescope.results`: one submission folder graded -> results.json's dict;
- :mod:`grader.gradescope.cli`: the ``gradescope`` command group.
"""

from grader.gradescope.build import build_autograder
from grader.gradescope.results import grade_submission, results_json

__all__ = ["build_autograder", "grade_submission", "results_json"]
