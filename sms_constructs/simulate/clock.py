"""A simulated clock that runs real, blocking code — the sender and retry handlers — in simulated time.

Each concurrent actor (a Lambda invocation polling its queue, a timer) runs in its own thread, but only one thread
runs at a time: a thread gives the baton back when it sleeps on the clock, and the clock then wakes the actor with the
earliest wake-up time, moving simulated time forward to it. Nothing waits in real time, so an hour of traffic takes
seconds, and with the same seed the same run happens every time (ties are broken by the order of scheduling).

Code under test sees only ``clock.now`` (a ``time.time`` replacement) and ``clock.sleep`` (a ``time.sleep``
replacement): inject them where the handlers take ``clock=`` and ``sleep=``.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SimulatedClock"]


class _Stop(BaseException):
    """Raised inside an actor's thread when the simulation ends before the actor finished."""


@dataclass
class _Actor:
    name: str
    run: Callable[[], None]
    resume: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    done: bool = False
    error: BaseException | None = None
    #: Bumped at every wake-up scheduled; a queue entry of an older generation is stale (woken by a notify).
    generation: int = 0


class SimulatedClock:
    """Simulated time shared by actors (threads that take turns) and timers (callbacks).

    :param start: Seconds since the epoch at which the simulation starts.
    """

    def __init__(self, start: float) -> None:
        self._now = start
        self._queue: list[tuple[float, int, _Actor | Callable[[], None], int]] = []
        self._waiters: dict[str, list[_Actor]] = {}
        self._seq = itertools.count()
        self._yielded = threading.Event()
        self._local = threading.local()
        self._stopping = False
        self._actors: list[_Actor] = []

    # -- what the code under test calls ---------------------------------------------------------------------------

    def now(self) -> float:
        """Simulated seconds since the epoch (``time.time``)."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Block the calling actor for ``seconds`` of simulated time (``time.sleep``); other actors run meanwhile."""
        actor: _Actor | None = getattr(self._local, "actor", None)
        if actor is None:
            raise RuntimeError(
                "SimulatedClock.sleep called outside an actor (spawn the code with SimulatedClock.spawn)"
            )
        self._push(self._now + max(0.0, seconds), actor)
        self._yield(actor)

    def wait(self, channel: str, timeout: float | None = None) -> None:
        """Block the calling actor until :meth:`notify` on ``channel`` (or ``timeout`` seconds, if given): how a long
        poll waits for a message without waking every second."""
        actor: _Actor | None = getattr(self._local, "actor", None)
        if actor is None:
            raise RuntimeError("SimulatedClock.wait called outside an actor")
        actor.generation += 1
        if timeout is not None:
            heapq.heappush(self._queue, (self._now + max(0.0, timeout), next(self._seq), actor, actor.generation))
        self._waiters.setdefault(channel, []).append(actor)
        self._yield(actor)

    def notify(self, channel: str) -> None:
        """Wake every actor waiting on ``channel`` (now, after the caller gives the baton back)."""
        for actor in self._waiters.pop(channel, []):
            self._push(self._now, actor)

    # -- building the simulation ----------------------------------------------------------------------------------

    def spawn(self, name: str, run: Callable[[], None], *, delay: float = 0.0) -> None:
        """Start ``run`` as an actor ``delay`` seconds from now; it may call :meth:`sleep`."""
        actor = _Actor(name, run)
        self._actors.append(actor)
        self._push(self._now + delay, actor)

    def call_at(self, at: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` (which must not sleep) at simulated time ``at`` (now, if ``at`` has passed)."""
        self._push(max(at, self._now), callback)

    def run(self, *, until: float | None = None, stop_when: Callable[[], bool] | None = None) -> None:
        """Run actors and timers in time order until nothing is scheduled, time reaches ``until``, or ``stop_when()``
        is true (checked after every step). Actors still sleeping then are stopped."""
        try:
            while self._queue:
                if stop_when is not None and stop_when():
                    break
                at, _, item, generation = self._queue[0]
                if until is not None and at > until:
                    self._now = until
                    break
                heapq.heappop(self._queue)
                if isinstance(item, _Actor) and generation != item.generation:
                    continue  # woken earlier by a notify
                self._now = max(self._now, at)
                if isinstance(item, _Actor):
                    for waiting in self._waiters.values():
                        if item in waiting:
                            waiting.remove(item)
                    self._step(item)
                else:
                    item()
        finally:
            self._stop_all()

    # -- machinery ------------------------------------------------------------------------------------------------

    def _push(self, at: float, item: _Actor | Callable[[], None]) -> None:
        generation = 0
        if isinstance(item, _Actor):
            item.generation += 1
            generation = item.generation
        heapq.heappush(self._queue, (at, next(self._seq), item, generation))

    @property
    def pending(self) -> int:
        """Entries in the schedule (wake-ups and timers), stale ones included."""
        return len(self._queue)

    def _step(self, actor: _Actor) -> None:
        self._yielded.clear()
        if actor.thread is None:
            actor.thread = threading.Thread(target=self._main, args=(actor,), name=actor.name, daemon=True)
            actor.thread.start()
        else:
            actor.resume.set()
        self._yielded.wait()
        if actor.error is not None:
            raise RuntimeError(f"actor {actor.name} failed: {actor.error!r}") from actor.error

    def _yield(self, actor: _Actor) -> None:
        actor.resume.clear()
        self._yielded.set()
        actor.resume.wait()
        if self._stopping:
            raise _Stop

    def _main(self, actor: _Actor) -> None:
        self._local.actor = actor
        try:
            actor.run()
        except _Stop:
            pass
        except BaseException as error:
            actor.error = error
        finally:
            actor.done = True
            self._yielded.set()

    def _stop_all(self) -> None:
        self._stopping = True
        for actor in self._actors:
            if actor.thread is not None and not actor.done:
                self._yielded.clear()
                actor.resume.set()
                self._yielded.wait()
        self._queue.clear()


def run_actors(clock: SimulatedClock, actors: dict[str, Callable[[], Any]]) -> None:
    """Spawn every actor now and run the clock until all are done (a helper for tests)."""
    for name, run in actors.items():
        clock.spawn(name, run)
    clock.run()
