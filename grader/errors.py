"""Errors of the grader itself (never of a submission: a failing submission is an outcome).

    DlgradeError                 anything that stops a command; the CLI prints it on one line
    ├── CourseError              course.yml or the course's modules and tests are wrong
    ├── SubmissionsError         the submissions folder is missing or unreadable
    ├── DeviceError              the requested torch device is not available
    ├── SandboxError             no sandbox to grade untrusted code in, and no --unsafe
    ├── ZygoteError              the process that forks the workers did not start or stopped answering
    ├── SchedulerError           the Dask cluster of --scheduler cannot grade (unreachable, unlike this machine)
    ├── ReleaseError             the student bundle cannot be written (--out, no source checkout)
    ├── WritebackError           scores cannot go back into an nbgrader gradebook
    └── GradesError              a grades folder (gradebook.json) cannot be read back, or an export cannot be made
"""


class DlgradeError(Exception):
    """Base of every error the CLI reports as one line and exit status 1."""


class CourseError(DlgradeError):
    """course.yml is invalid, or disagrees with the exercise modules and tests."""


class SubmissionsError(DlgradeError):
    """The folder of submissions cannot be graded (missing, not a folder)."""


class DeviceError(DlgradeError):
    """``--device`` names a device this machine does not have."""


class SandboxError(DlgradeError):
    """This machine offers no filesystem sandbox and the instructor did not pass ``--unsafe``."""


class ZygoteError(DlgradeError):
    """The worker zygote (``python -m grader.isolation.zygote``, the warm process every worker is
    forked from) failed to start or ended while the grader needed it; the message ends with the
    last line it wrote to stderr (the culprit: a module it could not import, bubblewrap's error)."""


class SchedulerError(DlgradeError):
    """The Dask scheduler of ``--scheduler`` is unreachable, has no worker, or its workers cannot grade
    as this machine would (another torch or engine, dlgrade missing), or some student-topics failed there."""


class ReleaseError(DlgradeError):
    """``dlgrade release`` cannot write the bundle: ``--out`` is not empty, or no wheel can be built."""


class WritebackError(DlgradeError):
    """The scores cannot be written back: nbgrader is not installed, gradebook.json is not
    dlgrade's, or the nbgrader database does not exist or cannot be opened."""


class GradesError(DlgradeError):
    """A grades folder cannot be used: its gradebook.json is missing or not dlgrade's, or what a
    command makes from it (an LMS export, a report) cannot be made as asked (an unmatched student)."""
