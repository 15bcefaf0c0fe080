"""Running untrusted submissions: a worker process per submission-topic, data across the pipe.

``runner`` (grading side) starts a worker, sends calls and rebuilds their results, and
``arguments`` finds and copies back what a call changed in place; ``zygote`` is the warm parent
workers are forked from, and its client; ``worker`` (submission side) imports the submission
and executes the calls; ``wire`` is the message format both speak: a JSON header plus raw tensor
buffers, never pickle; ``sandbox`` chooses how a worker is confined. The package imports none of them: ``sandbox`` is needed
without torch (a regrade that finds every result cached).
"""
