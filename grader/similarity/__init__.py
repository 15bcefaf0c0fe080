"""Similar submissions: pairs of students whose code for a topic looks copied, and their report.

:func:`find_similar` compares (:mod:`grader.similarity.detect`, winnowing with copydetect);
:func:`write_similarity` writes similarity.html (:mod:`grader.similarity.report`);
``dlgrade similarity`` is :mod:`grader.similarity.cli`.
"""

from grader.similarity.detect import DEFAULT_THRESHOLD, Pair, Similarity, TopicComparison, find_similar
from grader.similarity.report import flagged_table, similarity_html, write_similarity

__all__ = ["DEFAULT_THRESHOLD", "Pair", "Similarity", "TopicComparison", "find_similar", "flagged_table",
           "similarity_html", "write_similarity"]
