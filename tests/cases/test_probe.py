from sqlalchemy import select
from app.queue.models import QueueEntry
from app.calls.models import Call

def test_probe(app, call, db_session):
    r = call("2 1")
    print(r.heard, r.ended_by, r.queue_result)
    for e in db_session.scalars(select(QueueEntry)):
        print(e, e.category, e.language, e.caller_hash, e.operator_id, e.call.language, e.call.category)
