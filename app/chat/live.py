"""Live chat delivery: wake the pages that show a chat when something in it changes, instead of polling.

A change (a message stored, an operator joining, a close) is *announced* after its commit; a page's stream
reads what is new, then *waits* for the next announcement of its chat. Versions close the gap between
the two: the stream takes the chat's version before it reads, and ``wait`` returns at once if the version
moved meanwhile, so an announcement made while the stream was reading is never missed.

One web process: the in-process notifier. Several (``REDIS_URL`` set): an announcement is also published
on a Redis channel, and each process runs one subscriber that moves its own versions, so a message posted
in one process wakes the streams held by another. Whenever the subscriber (re)subscribes, every version
moves: announcements published while it was away are not lost, the streams just read again.

The stream never relies on the notifier alone: a wait ends after ``timeout`` and the stream reads the
database again. So a Redis outage slows delivery to that timeout; it loses nothing and breaks no stream.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import defaultdict
from urllib.parse import urlsplit

import redis
from flask import current_app

log = logging.getLogger(__name__)

CHANNEL = "qorgau:live"  # the Redis channel (pub/sub ignores database numbers, so the number is added to it)
BACKOFF_SECONDS = (0.5, 30.0)  # the subscriber's first and longest wait before reconnecting
PING_SECONDS = 10.0  # the subscriber pings this often, so a Redis gone quiet (not closed) is noticed
PUBLISH_TIMEOUT = 1.0  # seconds a publish may take: a Redis away must not hold back the sender's answer
ALONE_RECHECK_SECONDS = 5.0  # without Redis, a waiting page reads this often: other processes do not announce here


class LocalNotifier:
    """Versions per topic, and a condition per topic being waited on; reaches waiters of this process only.

    A condition per topic, not one for all: an announcement wakes the pages of its own chat, not all 500.
    """

    reaches_every_process = False  # announcements wake this process's pages only

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, tuple[threading.Condition, list[int]]] = {}  # topic: (condition, [waiters])

    def version(self, topic: str) -> int:
        with self._lock:
            return self._versions[topic]

    def announce(self, topic: str) -> None:
        with self._lock:
            self._versions[topic] += 1
            if topic in self._waiting:
                self._waiting[topic][0].notify_all()

    def announce_all(self) -> None:
        """Move every version: each waiter reads again (announcements may have been missed)."""
        with self._lock:
            for topic in self._versions:
                self._versions[topic] += 1
            for changed, _ in self._waiting.values():
                changed.notify_all()

    def wait(self, topic: str, seen: int, timeout: float) -> bool:
        """Until ``topic`` moves past version ``seen`` (True) or ``timeout`` seconds pass (False)."""
        with self._lock:
            if self._versions[topic] != seen:
                return True
            changed, waiters = self._waiting.setdefault(topic, (threading.Condition(self._lock), [0]))
            waiters[0] += 1
            try:
                return changed.wait_for(lambda: self._versions[topic] != seen, timeout)
            finally:
                waiters[0] -= 1
                if not waiters[0]:
                    del self._waiting[topic]


class RedisNotifier(LocalNotifier):
    """The local notifier, plus announcements to and from every other process over a Redis channel.

    The subscriber (one per process and channel, a thread — a greenlet under gevent) starts with the first
    ``version`` or ``wait``: a process that only sends never listens.
    """

    reaches_every_process = True

    def __init__(self, url: str, channel: str | None = None) -> None:
        super().__init__()
        self.url = url
        self.channel = channel or f"{CHANNEL}:{urlsplit(url).path.strip('/') or '0'}"
        self.origin = secrets.token_hex(8)  # this notifier's own announcements come back: skip them
        self._publisher = redis.Redis.from_url(url, socket_timeout=PUBLISH_TIMEOUT,
                                               socket_connect_timeout=PUBLISH_TIMEOUT)
        self._subscriber: threading.Thread | None = None
        self._start = threading.Lock()
        self.subscribed = threading.Event()  # set while subscribed (tests wait on it)
        self._closed = threading.Event()

    def version(self, topic: str) -> int:
        self._listen()
        return super().version(topic)

    def wait(self, topic: str, seen: int, timeout: float) -> bool:
        self._listen()
        return super().wait(topic, seen, timeout)

    def announce(self, topic: str) -> None:
        super().announce(topic)  # this process's pages at once, whatever becomes of Redis
        try:
            self._publisher.publish(self.channel, f"{self.origin} {topic}")
        except redis.RedisError as error:  # the change is committed; other processes' pages time out and read
            log.warning("live: could not publish an announcement to Redis (%s)", type(error).__name__)

    def close(self) -> None:
        """Stop the subscriber (within a second) and close the connections."""
        self._closed.set()
        self._publisher.close()

    def _listen(self) -> None:
        if self._subscriber is None:
            with self._start:
                if self._subscriber is None:
                    self._subscriber = threading.Thread(target=self._subscribe_forever, name="live-subscriber",
                                                        daemon=True)
                    self._subscriber.start()

    def _subscribe_forever(self) -> None:
        delay = BACKOFF_SECONDS[0]
        while not self._closed.is_set():
            try:
                self._subscribe()  # returns only when closed
                return
            except (redis.RedisError, OSError) as error:  # its name only: never a message, never the URL
                log.warning("live: Redis subscription lost (%s); again in %.1f s", type(error).__name__, delay)
            if self.subscribed.is_set():
                self.subscribed.clear()
                delay = BACKOFF_SECONDS[0]  # it had worked: the next failure starts a fresh backoff
            self._closed.wait(delay)
            delay = min(delay * 2, BACKOFF_SECONDS[1])

    def _subscribe(self) -> None:
        """Hold one subscription until the connection fails."""
        client = redis.Redis.from_url(self.url, socket_connect_timeout=5, socket_timeout=PING_SECONDS * 2,
                                      health_check_interval=PING_SECONDS, client_name=f"qorgau-live-{self.origin}")
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(self.channel)
            while not self._closed.is_set():
                message = pubsub.get_message(timeout=1.0)  # health_check_interval: a PING when quiet
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    self.subscribed.set()
                    self.announce_all()  # whatever was published while away: every page reads again
                elif message["type"] == "message":
                    origin, _, topic = message["data"].decode().partition(" ")
                    if origin != self.origin:
                        LocalNotifier.announce(self, topic)
        finally:
            pubsub.close()
            client.close()


_notifiers: dict[str, LocalNotifier] = {}  # by REDIS_URL ("" for none): one notifier, one subscriber per process
_making = threading.Lock()


def _notifier() -> LocalNotifier:
    """The notifier for the app's REDIS_URL, made on first use in each process (after gunicorn's fork)."""
    chosen = current_app.extensions.get("chat.live")  # tests may give an app one of its own
    if chosen is not None:
        return chosen
    url = current_app.config.get("REDIS_URL") or ""
    found = _notifiers.get(url)
    if found is None:
        with _making:
            found = _notifiers.get(url) or _notifiers.setdefault(url, RedisNotifier(url) if url else LocalNotifier())
    return found


def topic(conversation_id: int) -> str:
    return f"chat:{conversation_id}"


def version(conversation_id: int) -> int:
    return _notifier().version(topic(conversation_id))


def announce(conversation_id: int) -> None:
    """Something in the chat changed and is committed: wake its pages, in every web process."""
    _notifier().announce(topic(conversation_id))


def wait(conversation_id: int, seen: int, timeout: float) -> bool:
    return _notifier().wait(topic(conversation_id), seen, timeout)


def trusted_seconds(longest: float) -> float:
    """How long a waiting page may rely on announcements alone before it reads anyway.

    With Redis every web process hears every change, so ``longest``; without it a message stored by another
    process (gunicorn runs two by default) is announced only there, and this page must look for itself.
    """
    return longest if _notifier().reaches_every_process else min(longest, ALONE_RECHECK_SECONDS)
