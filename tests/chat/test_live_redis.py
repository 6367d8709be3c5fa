"""Live delivery across web processes: an announcement in one process wakes the pages held by another, over Redis.

A real Redis (``TEST_REDIS_URL``; CI gives one). Each test uses a channel of its own, so runs side by side on
one Redis server do not wake each other's pages.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
import threading

import pytest
import redis

from app.chat import live
from app.chat import services as chat
from tests.chat.helpers import message_id, start_chat

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="set TEST_REDIS_URL (CI: redis://127.0.0.1:6379/15) "
                                "to test live delivery across processes with a real Redis")

WAIT = 30  # seconds: a wait that ends by its timeout here means the announcement was lost


@pytest.fixture
def notifiers():
    """Two web processes' notifiers, on separate connections to one Redis channel of this test's own."""
    channel = f"qorgau:live:test:{secrets.token_hex(6)}"
    made = [live.RedisNotifier(TEST_REDIS_URL, channel=channel) for _ in range(2)]
    yield made
    for notifier in made:
        notifier.close()


def subscribed(notifier: live.RedisNotifier) -> live.RedisNotifier:
    notifier.version("chat:0")  # a page's first look starts the subscriber
    assert notifier.subscribed.wait(WAIT)
    return notifier


def subscriber_connection(notifier: live.RedisNotifier) -> dict:
    """The subscriber's connection as Redis lists it (by the name the notifier gives it)."""
    clients = redis.Redis.from_url(TEST_REDIS_URL).client_list()
    return next(client for client in clients if client["name"] == f"qorgau-live-{notifier.origin}")


def test_an_announcement_in_one_process_wakes_a_page_waiting_in_another(notifiers):
    sender, receiver = notifiers[0], subscribed(notifiers[1])
    seen = receiver.version("chat:7")
    woke: list[bool] = []
    waiter = threading.Thread(target=lambda: woke.append(receiver.wait("chat:7", seen, WAIT)))
    waiter.start()
    sender.announce("chat:7")
    waiter.join(WAIT)
    assert woke == [True]


def test_an_announcement_made_before_the_wait_is_not_missed_across_processes(notifiers):
    sender, receiver = notifiers[0], subscribed(notifiers[1])
    seen = receiver.version("chat:7")
    sender.announce("chat:7")  # while the page in the other process was still reading what it had
    assert receiver.wait("chat:7", seen, WAIT) is True


def test_only_the_announced_chat_wakes_and_the_sender_wakes_its_own_pages_at_once(notifiers):
    sender, receiver = subscribed(notifiers[0]), subscribed(notifiers[1])
    quiet, busy = receiver.version("chat:1"), receiver.version("chat:2")
    own = sender.version("chat:2")
    sender.announce("chat:2")
    assert sender.version("chat:2") != own  # no round trip through Redis for the sender's own pages
    assert receiver.wait("chat:2", busy, WAIT) is True
    assert receiver.wait("chat:1", quiet, 0.05) is False


def test_a_lost_connection_is_taken_up_again_and_every_page_reads_again(notifiers, caplog):
    sender, receiver = notifiers[0], subscribed(notifiers[1])
    seen = receiver.version("chat:7")
    with caplog.at_level("WARNING", logger="app.chat.live"):
        redis.Redis.from_url(TEST_REDIS_URL).client_kill_filter(_id=subscriber_connection(receiver)["id"])
        # Whatever was published while it was away, the page wakes (when the subscriber is back) and reads again.
        assert receiver.wait("chat:7", seen, WAIT) is True
    said = " ".join(record.getMessage() for record in caplog.records)
    assert "subscription lost" in said
    assert "chat:" not in said and "redis://" not in said  # which chat, or where Redis is: never logged
    assert receiver.subscribed.wait(WAIT)
    seen = receiver.version("chat:7")
    sender.announce("chat:7")
    assert receiver.wait("chat:7", seen, WAIT) is True


def test_without_redis_announcing_still_works_and_waits_end_by_their_timeout():
    notifier = live.RedisNotifier("redis://127.0.0.1:9/0")  # a port nobody listens on: as if Redis were down
    try:
        seen = notifier.version("chat:7")
        assert notifier.wait("chat:7", seen, 0.05) is False  # the page reads the database again after it
        notifier.announce("chat:7")  # the sender's post does not fail; its own process's pages still wake
        assert notifier.wait("chat:7", seen, WAIT) is True
        assert not notifier.subscribed.is_set()
    finally:
        notifier.close()


SENDER = textwrap.dedent("""
    import json, sys
    from app import create_app
    from app.chat import live, services as chat
    config, channel, conversation_id = json.loads(sys.argv[1])
    app = create_app(config)
    with app.app_context():
        app.extensions["chat.live"] = live.RedisNotifier(config["REDIS_URL"], channel=channel)
        chat.post(conversation_id, "from the other web process", "c0ffee" * 4)
        app.extensions["chat.live"].close()
""")


def test_a_message_posted_by_another_web_process_wakes_the_chat_page_here(make_app, base_config):
    channel = f"qorgau:live:test:{secrets.token_hex(6)}"
    app = make_app(REDIS_URL=TEST_REDIS_URL)
    with app.app_context():
        app.extensions["chat.live"] = here = live.RedisNotifier(TEST_REDIS_URL, channel=channel)
        try:
            started = start_chat()
            chat.post(started.conversation_id, "first", message_id())
            seen = live.version(started.conversation_id)
            assert here.subscribed.wait(WAIT)
            config = {**base_config, "REDIS_URL": TEST_REDIS_URL}
            subprocess.run([sys.executable, "-c", SENDER, json.dumps([config, channel, started.conversation_id])],
                           check=True, timeout=120)
            assert live.wait(started.conversation_id, seen, WAIT) is True
            texts = [message.text for message in chat.messages_after(started.conversation_id)]
            assert texts[-1] == "from the other web process"
        finally:
            here.close()
