"""Change history: every save still writes a historical row, and the history manager's class is
built once (simple_history alone builds a new one on every save)."""

from tests.factories import DiagnosisFactory


def test_saves_keep_history_and_share_one_manager_class(db):
    first, second = DiagnosisFactory(), DiagnosisFactory()
    first.description = "Changed"
    first.save()

    assert [row.history_type for row in first.history.order_by("history_id")] == ["+", "~"]
    assert type(first.history) is type(second.history)
