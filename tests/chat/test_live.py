"""Live delivery: a page waiting on a chat wakes when a message or a close is committed, and never misses one."""

from __future__ import annotations

import threading

from flask import current_app

from app.chat import live
from app.chat import services as chat
from tests.chat.helpers import message_id, start_chat


def waiting(conversation_id: int, seen: int) -> tuple[threading.Thread, list[bool]]:
    """A page's stream waiting on the chat, in a thread of its own (with the app, as a stream has it)."""
    woke: list[bool] = []
    app = current_app._get_current_object()

    def wait() -> None:
        with app.app_context():
            woke.append(live.wait(conversation_id, seen, timeout=30))

    thread = threading.Thread(target=wait)
    thread.start()
    return thread, woke


def test_a_stored_message_wakes_the_page_waiting_on_its_chat(app):
    with app.app_context():
        started = start_chat()
        seen = live.version(started.conversation_id)
        thread, woke = waiting(started.conversation_id, seen)
        chat.post(started.conversation_id, "мне страшно", message_id())
        thread.join(timeout=30)
        assert woke == [True]


def test_an_announcement_made_before_the_wait_is_not_missed(app):
    with app.app_context():
        started = start_chat()
        seen = live.version(started.conversation_id)
        chat.close(started.conversation_id)  # while the page was still reading what it had
        assert live.wait(started.conversation_id, seen, timeout=30) is True


def test_a_quiet_chat_waits_out_its_timeout_and_other_chats_do_not_wake_it(app):
    with app.app_context():
        quiet, busy = start_chat(), start_chat()
        seen = live.version(quiet.conversation_id)
        chat.post(busy.conversation_id, "hello", message_id())
        assert live.wait(quiet.conversation_id, seen, timeout=0.05) is False
