"""Failures group into common mistakes by function, property and what the message says."""

import pytest

from grader.analytics.mistakes import common_mistakes, expected_and_got, failure_kind, normalise
from tests.grader.analytics.classes import BANNED, BEN_OVERFLOW, BEN_ROWS, CLASS, CRASH, MARKUP, REMAINDER
from tests.grader.analytics.classes import REMAINDER_SHRUNK, SCRIPT, STUB, TIMEOUT


def _group(test: str, student: str):
    return next(m for m in common_mistakes(CLASS) if m.test == test and student in m.students)


def test_two_students_with_the_same_mistake_are_one_group_shown_by_the_shortest_message():
    overflow = _group("test_large_logits", "ana")
    assert overflow.students == ("ana", "ben")
    assert (overflow.size, overflow.function, overflow.topic) == (2, "softmax", "softmax")
    assert overflow.example == BEN_OVERFLOW  # shrunk further than ana's
    assert overflow.points == 12.0  # 6 points, twice
    remainder = _group("test_remainder_in_first_fold", "ana")
    assert remainder.students == ("ana", MARKUP) and remainder.function == "get_k_fold_data"
    assert (remainder.expected, remainder.got) == ("shape (2,)", "(1,)")


def test_another_property_of_the_same_function_is_another_group():
    rows = _group("test_rows_sum_to_one", "ben")
    assert rows.students == ("ben",)
    assert rows != _group("test_large_logits", "ben")


def test_the_same_test_failing_for_another_reason_is_another_group():
    hostile = _group("test_rows_sum_to_one", "<img src=x onerror=alert(1)>")
    assert hostile.students == ("<img src=x onerror=alert(1)>",) and hostile.example == SCRIPT


def test_groups_come_largest_first_then_by_the_points_they_cost():
    mistakes = common_mistakes(CLASS)
    assert [m.size for m in mistakes] == [2, 2, 1, 1]
    assert [m.test for m in mistakes[:2]] == ["test_large_logits", "test_remainder_in_first_fold"]  # 12 > 6 points


def test_banned_calls_stubs_hangs_crashes_and_topics_not_graded_are_not_mistakes():
    messages = {m.example for m in common_mistakes(CLASS)}
    assert messages == {BEN_OVERFLOW, BEN_ROWS, SCRIPT, REMAINDER_SHRUNK}


@pytest.mark.parametrize(("message", "kind"), [
    (BANNED, "banned"), ("relu called banned `torch.relu` while it ran: this exercise asks you to", "banned"),
    ("l2_norm uses a reference to the grader's internals `grader.x` (line 1): a submission may not", "banned"),
    (TIMEOUT, "timeout"), ("not run: the topic's time limit was reached", "timeout"),
    (CRASH, "crashed"), ("f: the submission's process used over 512 MiB of memory (killed)", "crashed"),
    (STUB, "not_attempted"), (REMAINDER, None), ("the submission raised SystemExit: stop", None)])
def test_failure_kinds_are_read_from_the_engines_messages(message, kind):
    assert failure_kind(message) == kind


def test_messages_differing_only_in_values_normalise_equal():
    shrunk = normalise("n=3, k=2: expected shape (2,), got (1,)")
    assert normalise("n=5, k=2: expected shape (3, 2), got (2, 2)") == shrunk
    assert normalise("got [0.0, 1.0, 2.0] at 0x7f3a") == normalise("got [[1e-07, 3], [4, 5]] at 0x55aa")
    assert normalise(BEN_OVERFLOW) == normalise(BEN_OVERFLOW.replace("[nan]", "[   nan, 0.5000]").replace("100.", "7."))


def test_nan_inf_and_names_are_not_values():
    assert normalise("expected 1.0, got nan") != normalise("expected 1.0, got 0.5")
    assert normalise("got tensor([inf, 1.])") != normalise("got tensor([2., 1.])")
    assert normalise("name '_fans' is not defined") != normalise("name '_check_lr' is not defined")


def test_expected_and_got_read_an_inline_pair_a_multiline_tensor_and_torchs_block():
    assert expected_and_got(REMAINDER) == ("shape (3, 2)", "(2, 2)")
    assert expected_and_got("f(X): expected finite, got tensor([[nan, 1.],\n        [2., 3.]])\nO = tensor([1.])") == (
        "finite", "tensor([[nan, 1.],\n        [2., 3.]])")
    block = "AssertionError: 1 of 2 differ\nexpected: tensor([1., 2.])\nactual:   tensor([1., 3.])\nDraw 1 (x): 0"
    assert expected_and_got(block) == ("tensor([1., 2.])", "tensor([1., 3.])")
    assert expected_and_got("NameError: name 'x' is not defined") == ("", "")
