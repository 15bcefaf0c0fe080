"""Grades into a learning management system: a grades folder as the CSV an LMS's gradebook import reads.

``canvas``: Canvas's gradebook import (the roster exported from Canvas gives the students and the
assignments); ``moodle``: Moodle's CSV grade import, with feedback columns; ``table``: what they
share (reading a roster, matching folders to its students); ``cli``: ``dlgrade export``.
"""

from grader.exports.canvas import CanvasRoster, canvas_csv, read_canvas_roster
from grader.exports.moodle import MoodleRoster, moodle_csv, read_moodle_roster, topic_feedback
from grader.exports.table import Export

__all__ = ["CanvasRoster", "Export", "MoodleRoster", "canvas_csv", "moodle_csv", "read_canvas_roster",
           "read_moodle_roster", "topic_feedback"]
