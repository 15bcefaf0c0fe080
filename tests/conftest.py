"""Fixtures every course test uses: ``submission`` (a topic's module) and ``device``.

Under plain pytest the submission is imported in-process from the folder named by
``--submission`` or ``$DLGRADE_SUBMISSION``: ``solutions`` (the default where the course has
them), ``exercises``, or a path to a student's folder of ``<topic>.py`` files. ``dlgrade grade``
does not use these fixtures: it calls the same tests with a handle to an isolated worker.
The Hypothesis profile comes from ``$DLGRADE_PROFILE`` (``dev``, ``ci`` or ``grading``).
"""

import os
from pathlib import Path

import pytest
import torch
from hypothesis import settings

from grader.course import load_course
from grader.submission import import_topic
from grader.testing import register_profiles

COURSE_ROOT = Path(__file__).resolve().parent.parent

register_profiles(load_course(COURSE_ROOT / "course.yml", check_modules=False).settings.max_examples)
settings.load_profile(os.environ.get("DLGRADE_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--submission", default=None,
                     help="folder of <topic>.py files to test: solutions, exercises or a path")
    parser.addoption("--device", default=None, help="torch device for the tests' inputs")


def _submission_dir(config: pytest.Config) -> Path:
    choice = config.getoption("--submission") or os.environ.get("DLGRADE_SUBMISSION")
    if choice is None:
        choice = "solutions" if (COURSE_ROOT / "solutions").is_dir() else "exercises"
    path = Path(choice)
    return path if path.is_absolute() or path.exists() else COURSE_ROOT / choice


@pytest.fixture(scope="module")
def submission(request: pytest.FixtureRequest):
    """The topic module (``TOPIC`` of the test module) of the submission under test."""
    return import_topic(_submission_dir(request.config) / f"{request.module.TOPIC}.py")


@pytest.fixture(scope="session")
def device(request: pytest.FixtureRequest) -> torch.device:
    """Where the tests put their inputs; outputs must come back on it."""
    return torch.device(request.config.getoption("--device") or os.environ.get("DLGRADE_DEVICE", "cpu"))
