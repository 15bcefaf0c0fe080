"""Attack: hang the import: time.sleep(3600).

Tries: hold a grading slot for an hour.
Would gain: nothing for itself; the grading of others waits.
Must stop it: the import's time limit (course.yml's import_timeout_s).
"""

import time

time.sleep(3600)


def softmax(O):
    raise NotImplementedError
