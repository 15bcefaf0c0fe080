"""The public API is listed in ``grader.__all__``, complete and sorted."""

import inspect

import grader


def test_all_is_sorted_and_complete():
    public = {name for name, obj in vars(grader).items()
              if not name.startswith("_") and not inspect.ismodule(obj)}
    assert grader.__all__ == sorted(grader.__all__)
    assert set(grader.__all__) == public
