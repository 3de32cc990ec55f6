"""Rate limits, counted with the `limits` library in fixed windows: in Redis when
FORUM_REDIS_URL is set (shared by every worker), else in each worker (ratelimit_storage).

Two kinds. RATELIMIT_DEFAULT holds every address on every page (each page counted on its
own, static files exempt), checked before any view runs. `limiter.limit(...)` holds one
view to more (posting, signing in, flagging), by address or by member, for the methods it
names. Past a limit the request gets a 429 with Retry-After, before the view runs.

Flask-Limiter did this until it showed up as the largest cost of a visitor's page: its
check took about 0.15 ms a request to find the limits that apply, against 0.003 ms for
the count itself, a sixth of the instructions of a page served from the page cache.
These are the same counters and windows; each limit's text is parsed once.

When Redis stops answering, each worker counts on its own for a while (logged once per
outage), so a Redis outage makes the limits looser for a few seconds, never a page fail;
it tries Redis again every RETRY_SHARED_AFTER_SECONDS."""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from forum.ratelimit_storage import InProcessStorage

log = logging.getLogger(__name__)

Limit = str | Callable[[], str]  # "6 per minute;200 per day", or read when a request comes


def remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


class RateLimited(TooManyRequests):
    """429, with Retry-After: the seconds until the window that was full starts again."""

    def __init__(self, limit: RateLimitItem, retry_after: int):
        super().__init__(f"{limit} allowed", retry_after=retry_after)


class RateLimiter:
    def init_app(self, app: Flask) -> None:
        config = app.config
        storage = storage_from_string(config["RATELIMIT_STORAGE_URI"], **_timeouts(config))
        app.extensions["forum.rate_limits"] = _AppLimits(
            enabled=config["RATELIMIT_ENABLED"],
            counter=_Counters(storage),
            prefix=config["RATELIMIT_KEY_PREFIX"],
            default=_parsed(config["RATELIMIT_DEFAULT"]),
        )
        app.before_request(_check_default_limit)

    @property
    def storage(self) -> Storage:
        """Where the counters are kept: Redis when configured, else this worker."""
        return _limits().counter.storage

    def shared_counters_answer(self) -> bool | None:
        """Whether the shared counters (Redis) answer now; None when there are none."""
        counters = _limits().counter
        return counters.storage.check() if counters.shared else None

    @staticmethod
    def exempt(view):
        """Count no request to `view` (the load balancer's health checks, every second or
        two from each balancer, all from one address)."""
        view.rate_limit_exempt = True
        return view

    def limit(
        self,
        limit: Limit,
        key_func: Callable[[], str] = remote_address,
        methods: list[str] | None = None,
    ):
        """Hold the view to `limit` as well as the default, for requests with `methods`
        (all when None), counted by what `key_func` returns."""
        counted = {method.upper() for method in methods} if methods else None

        def decorate(view):
            @wraps(view)
            def limited_view(*args, **kwargs):
                if counted is None or request.method in counted:
                    items = _parsed(limit() if callable(limit) else limit)
                    _limits().hit(items, key_func(), request.endpoint or view.__name__)
                return view(*args, **kwargs)

            return limited_view

        return decorate


@dataclass(frozen=True)
class _AppLimits:
    """One app's counters and settings (tests make many apps in one process)."""

    enabled: bool
    counter: "_Counters"
    prefix: str
    default: tuple[RateLimitItem, ...]

    def hit(self, items: tuple[RateLimitItem, ...], key: str, scope: str) -> None:
        """Count the request against each of `items`; 429 past any of them."""
        if not self.enabled:
            return
        identifiers = (self.prefix, key, scope) if self.prefix else (key, scope)
        for item in items:
            if not self.counter.hit(item, identifiers):
                reset = self.counter.reset_time(item, identifiers)
                raise RateLimited(item, retry_after=max(1, math.ceil(reset - time.time())))


# How long a worker counts on its own after Redis failed before it tries Redis again.
RETRY_SHARED_AFTER_SECONDS = 5
# A Redis that does not answer within this is taken as down: a page waits no longer.
REDIS_TIMEOUT_SECONDS = 0.25


class _Counters:
    """The counters in `storage`; when that is Redis and it does not answer, this
    worker's own for a while."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.counter = FixedWindowRateLimiter(storage)
        self.shared = not isinstance(storage, InProcessStorage)
        self.fallback = FixedWindowRateLimiter(InProcessStorage()) if self.shared else None
        self.shared_down_until: float | None = None  # set while Redis is taken as down

    def hit(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> bool:
        return self._ask(lambda counter: counter.hit(item, *identifiers))

    def reset_time(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> float:
        return self._ask(lambda counter: counter.get_window_stats(item, *identifiers).reset_time)

    def _ask(self, ask):
        if self.fallback is None:
            return ask(self.counter)
        down_until = self.shared_down_until
        if down_until is not None and time.monotonic() < down_until:
            return ask(self.fallback)
        try:
            answer = ask(self.counter)
        except self.storage.base_exceptions as error:
            if down_until is None:
                log.warning(
                    "Rate limits: Redis does not answer (%s); each worker counts on its own"
                    " until it does.",
                    error,
                )
            self.shared_down_until = time.monotonic() + RETRY_SHARED_AFTER_SECONDS
            return ask(self.fallback)
        if down_until is not None:
            log.warning("Rate limits: Redis answers again; the limits are shared again.")
            self.shared_down_until = None
        return answer


def _timeouts(config) -> dict:
    if not config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        return {}
    return {
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    }


@cache
def _parsed(limit: str | None) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limit)) if limit else ()


def _limits() -> _AppLimits:
    return current_app.extensions["forum.rate_limits"]


def _check_default_limit() -> None:
    limits = _limits()
    endpoint = request.endpoint
    if (
        limits.default
        and endpoint not in (None, "static")
        and not getattr(current_app.view_functions[endpoint], "rate_limit_exempt", False)
    ):
        # Counted apart from the view's own limits, even one of the same size.
        limits.hit(limits.default, remote_address(), f"{request.endpoint}/default")
