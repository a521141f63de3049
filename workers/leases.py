"""Work of a pass in a worker's hands, where whoever follows the pass sees it and sends it again
when its worker is gone (`lotse run`, and beat's dispatch for the passes it started).

A crawl or ingest task takes a lease on its work while it runs: an entry in the pass's registry
(``lotse:leases:<pass>``, a hash by task id) naming the task and its arguments, and a key
(``lotse:lease:<token>``) that lapses ``ttl`` seconds after its last renewal. The task renews it
every third of ``ttl`` and removes the entry when it is done. A task waiting for a retry leaves
its entry with a key that lapses once the retry is overdue. An entry whose key lapsed is lost
work: its worker died (SIGKILL, a lost machine), hangs (SIGSTOP) or lost Redis for longer than
``ttl``. ``take_lapsed`` removes such entries in one atomic step (of two followers, one gets
each) and returns the work to send again; the new task runs under a new task id. Should the old
one still come back (woken from a hang, or redelivered hours later by the visibility timeout),
it finds the work done, or is fenced off by the crawl lock (workers/handoff.py).

A task still queued has no entry: only Redis itself can lose it (a restart without
persistence), which `lotse run` notices by Redis's run id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from redis.typing import EncodableT, FieldT

from workers.broker import text
from workers.redis_lock import renewed

KEEP_SECONDS = 7 * 24 * 3600
LEASE_PREFIX = "lotse:lease:"

_END = (
    "if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('hdel', KEYS[1], ARGV[1])"
    " end return redis.call('del', KEYS[2])"
)
_RENEW = (  # never shortens a longer lapse that wait() set meanwhile
    "local left = redis.call('pttl', KEYS[1]) if left < 0 then return 0 end"
    " if left < tonumber(ARGV[1]) then redis.call('pexpire', KEYS[1], ARGV[1]) end return 1"
)
_TAKE_LAPSED = """
local lapsed = {}
local entries = redis.call('hgetall', KEYS[1])
for i = 1, #entries, 2 do
  local token = string.match(entries[i + 1], '^(%S+)')
  if redis.call('exists', ARGV[1] .. token) == 0 then
    redis.call('hdel', KEYS[1], entries[i])
    table.insert(lapsed, entries[i + 1])
  end
end
return lapsed
"""


def _registry(pass_id: str) -> str:
    return f"lotse:leases:{pass_id}"


@dataclass(frozen=True)
class Work:
    """A task and its arguments: what to send again when its worker is gone."""

    task: str
    args: tuple[Any, ...]

    def describe(self) -> str:
        if self.task.endswith(".crawl_source"):
            return f"the crawl of {self.args[0]}"
        if self.task.endswith(".ingest_crawls"):
            return "the ingest"
        return self.task

    def to_json(self) -> str:
        return json.dumps({"task": self.task, "args": list(self.args)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str) -> Work:
        found = json.loads(data)
        return cls(found["task"], tuple(found["args"]))


class Lease:
    """One task run's lease on work of a pass (``task_id`` names its registry entry)."""

    def __init__(
        self, client: redis.Redis, pass_id: str, task_id: str, work: Work, *, ttl: float
    ) -> None:
        self.client, self.work = client, work
        self.registry, self.field = _registry(pass_id), task_id
        self.token = uuid.uuid4().hex
        self.key = LEASE_PREFIX + self.token
        self.entry = f"{self.token} {work.to_json()}"
        self.ttl_ms = int(ttl * 1000)
        self.settled = False  # waiting for a retry, or given up: no longer renewed

    def take(self) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.key, 1, px=self.ttl_ms)
        pipe.hset(self.registry, self.field, self.entry)
        pipe.expire(self.registry, KEEP_SECONDS)
        pipe.execute()

    def renew(self) -> bool:
        """Push the lapse out again; False when it lapsed (it may have been sent again)."""
        return self.settled or bool(self.client.eval(_RENEW, 1, self.key, self.ttl_ms))

    def wait(self, seconds: float) -> None:
        """A retry of this task is due within ``seconds``: lapse unless it has come by then."""
        self.settled = True
        self.client.set(self.key, 1, px=int(seconds * 1000))

    def abandon(self) -> None:
        """Lapse now: the follower sends the work again at its next look."""
        self.settled = True
        self.client.delete(self.key)

    def end(self) -> None:
        """The work is done (or failed for good): nothing for the follower to send again."""
        self.client.eval(_END, 2, self.registry, self.key, self.field, self.entry)

    @contextmanager
    def held(self) -> Iterator[Lease]:
        """Take the lease for the block, renewed meanwhile; ended after it unless settled."""
        self.take()
        try:
            with renewed(self.renew, self.ttl_ms / 3000, f"the lease on {self.work.describe()}"):
                yield self
        finally:
            if not self.settled:
                self.end()


def take_lapsed(client: redis.Redis, pass_id: str) -> list[Work]:
    """The pass's work whose lease lapsed, taken out of its registry: for sending again."""
    found = client.eval(_TAKE_LAPSED, 1, _registry(pass_id), LEASE_PREFIX)
    works = {}
    for entry in found:
        work = text(entry).split(" ", 1)[1]
        works[work] = Work.from_json(work)  # two lost ingests of a pass: one is sent again
    return list(works.values())


def give_back(client: redis.Redis, pass_id: str, works: list[Work]) -> None:
    """Put work taken by ``take_lapsed`` back, lapsed (it could not be sent): taken next time."""
    if works:
        entries: dict[FieldT, EncodableT] = {
            f"lost {uuid.uuid4().hex}": f"lost {work.to_json()}" for work in works
        }
        client.hset(_registry(pass_id), mapping=entries)
