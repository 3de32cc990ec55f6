"""Rate limits, counted with the `limits` library in fixed windows: in Redis when
FORUM_REDIS_URL is set (shared by every worker), else in each worker (ratelimit_storage).

Two kinds. RATELIMIT_DEFAULT holds every address on every page (each page counted on its
own, static files exempt), checked before any view runs. `limiter.limit(...)` holds one
view to more (posting, signing in, flagging), by address or by member, for the methods it
names. Past a limit the request gets a 429 with Retry-After, before the view runs.

Flask-Limiter did this until it showed up as the largest cost of a visitor's page: its
check took about 0.15 ms a request to find the limits that apply, against 0.003 ms for
the count itself, a sixth of the instructions of a page served from the page cache.
These are the same counters and windows; each limit's text is parsed once."""

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
        storage = storage_from_string(config["RATELIMIT_STORAGE_URI"])
        app.extensions["forum.rate_limits"] = _AppLimits(
            enabled=config["RATELIMIT_ENABLED"],
            counter=FixedWindowRateLimiter(storage),
            prefix=config["RATELIMIT_KEY_PREFIX"],
            default=_parsed(config["RATELIMIT_DEFAULT"]),
        )
        app.before_request(_check_default_limit)

    @property
    def storage(self) -> Storage:
        return _limits().counter.storage

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
    counter: FixedWindowRateLimiter
    prefix: str
    default: tuple[RateLimitItem, ...]

    def hit(self, items: tuple[RateLimitItem, ...], key: str, scope: str) -> None:
        """Count the request against each of `items`; 429 past any of them."""
        if not self.enabled:
            return
        identifiers = (self.prefix, key, scope) if self.prefix else (key, scope)
        for item in items:
            if not self.counter.hit(item, *identifiers):
                reset = self.counter.get_window_stats(item, *identifiers).reset_time
                raise RateLimited(item, retry_after=max(1, math.ceil(reset - time.time())))


@cache
def _parsed(limit: str | None) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limit)) if limit else ()


def _limits() -> _AppLimits:
    return current_app.extensions["forum.rate_limits"]


def _check_default_limit() -> None:
    limits = _limits()
    if limits.default and request.endpoint not in (None, "static"):
        # Counted apart from the view's own limits, even one of the same size.
        limits.hit(limits.default, remote_address(), f"{request.endpoint}/default")
