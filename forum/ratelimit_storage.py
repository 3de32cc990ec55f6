"""Rate-limit counters kept in each worker, for a site without Redis (`in-process://`).

The `limits` library's MemoryStorage drops expired counters from a timer thread, which it
starts again on the first request after the last one has ended (10 ms): on every request
of a quiet worker, where it adds about 0.4 ms, and every few requests of a busy one.
These are the same counters, for the fixed windows forum/ratelimit.py counts in,
without the thread: a counter past its window starts again when it is next counted, and
the request that finds a minute gone since the last sweep drops every expired counter, so
memory stays bounded too."""

import time

from limits.storage import MemoryStorage

SWEEP_EVERY_SECONDS = 60


class InProcessStorage(MemoryStorage):
    STORAGE_SCHEME = ["in-process"]  # registered with `limits` by this name

    def __init__(self, uri: str | None = None, **options):
        super().__init__(uri, **options)
        self.next_sweep = time.time() + SWEEP_EVERY_SECONDS

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now >= self.next_sweep:
            self.sweep(now)
        with self.locks[key]:
            if self.expirations.get(key, 0) <= now:  # a new window
                self.storage[key] = 0
                self.expirations[key] = now + expiry
            self.storage[key] += amount
            return self.storage[key]

    def sweep(self, now: float) -> None:
        """Drop every counter whose window has passed."""
        self.next_sweep = now + SWEEP_EVERY_SECONDS
        for key, expires in list(self.expirations.items()):
            if expires <= now:
                self.clear(key)
