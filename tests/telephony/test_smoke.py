from sqlalchemy import select

from app.calls.models import Call


def test_child_in_russian_reaches_the_queue(call, db_session):
    result = call("2 1")
    assert not result.problems
    assert result.queue_result == "hangup"
    row = db_session.scalar(select(Call).where(Call.call_sid == result.call_sid))
    assert row.language == "ru"
    assert row.priority.value == "child"
