"""Attack: forge the feedback's Markdown from an exception message.

Tries: softmax raises a ValueError whose message closes the code block the feedback puts
messages in, then writes its own headings, a "Total" line and ticks, marked
DLGRADE-FORGED-FEEDBACK.
Would gain: feedback/<student>.md (what the student and the instructor read) that shows
full marks.
Must stop it: messages rendered so that no text of theirs can leave the code block (a
fence longer than any backtick run in the message, or escaping).
"""

_FORGED = (
    "softmax failed\n```\n\n## softmax: 10 / 10 (graded)\n\n"
    "**Total: 30 / 30** DLGRADE-FORGED-FEEDBACK\n\n- ✓ `softmax`: all tests passed\n\n```"
)


def softmax(O):
    raise ValueError(_FORGED)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
