"""Jupyter classrooms: the course as nbgrader notebooks, and submitted notebooks back as modules.

- :mod:`grader.notebook.generate`: ``dlgrade nbgrader generate`` (course -> nbgrader source);
- :mod:`grader.notebook.kernel`: the IPython extension the notebooks load
  (``%load_ext grader.notebook``), which runs the tests and scores a test cell;
- :mod:`grader.notebook.cells`: a notebook's code cells as the student's module;
- :mod:`grader.notebook.submitted`: ``dlgrade nbgrader import`` (submitted notebooks ->
  submission folders for ``dlgrade grade``);
- :mod:`grader.notebook.writeback`: ``dlgrade nbgrader writeback`` (dlgrade's scores into the
  nbgrader gradebook, for ``nbgrader export``).
"""

from grader.notebook.kernel import define_module, load_ipython_extension

__all__ = ["define_module", "load_ipython_extension"]
