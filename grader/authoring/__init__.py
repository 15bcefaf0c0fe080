"""Writing the course: ``dlgrade new topic`` scaffolds a topic from templates that follow the
course's conventions (:func:`new_topic`, :mod:`grader.authoring.scaffold`); the command is
:mod:`grader.authoring.cli`."""

from grader.authoring.scaffold import Scaffold, new_topic, topic_files

__all__ = ["Scaffold", "new_topic", "topic_files"]
