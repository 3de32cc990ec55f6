"""Filters and globals the templates share. None of them touches the database."""

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from forum.caching import page_time
from forum.extensions import utcnow
from forum.links import absolute_url, page_url, post_url
from forum.policy.threads import may_read_posts
from forum.policy.viewer import is_moderator
from forum.reports import vocab


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or utcnow()) - moment).total_seconds())
    if seconds <= -60:  # to come: a job's next run
        return _span(-seconds, "in {}")
    if seconds < 60:  # either way: `now` is often the start of the page's minute
        return "just now"
    return _span(seconds, "{} ago")


def _span(seconds: int, phrase: str) -> str:
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("week", 604_800),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            return phrase.format(f"{count} {unit}{'s' if count != 1 else ''}")
    return phrase.format("a moment")


def time_tag(moment: datetime | None) -> Markup:
    """<time> with the exact UTC moment for machines and a tooltip, relative text for people
    (reckoned from the page's minute, so a visitor's page can be kept for that minute)."""
    if moment is None:
        return Markup("")
    # Every part is made here from a datetime (digits, "-", ":", "+", letters): nothing
    # to escape, so no Markup.format, which costs more than the rest on a long page.
    exact = moment.strftime("%Y-%m-%d %H:%M UTC")
    machine = moment.isoformat(timespec="seconds")
    return Markup(  # nosec B704
        f'<time datetime="{machine}" title="{exact}">{relative_time(moment, page_time())}</time>'
    )


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def month_tag(moment: datetime | None) -> Markup:
    """<time> with the month and year only ("December 2026"): how long someone has been a
    member reads the same a minute or a year later, and says no more than it needs to."""
    if moment is None:
        return Markup("")
    return Markup(  # nosec B704 (digits and a month's name only)
        f'<time datetime="{moment:%Y-%m}">{MONTHS[moment.month - 1]} {moment.year}</time>'
    )


def every(seconds: int) -> str:
    """A schedule's interval, after "every": "2 minutes", "day"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(time_tag, "time")
    app.add_template_filter(every, "every")
    app.add_template_filter(month_tag, "month")
    app.add_template_filter(lambda n: f"{n:,}", "number")
    # Templates that must choose what to show ask the policy, never a rule of their own.
    app.add_template_global(may_read_posts)
    app.add_template_global(is_moderator)
    app.add_template_global(post_url)
    app.add_template_global(absolute_url)
    app.add_template_global(page_url)
    app.add_template_global(utcnow, "now")
    app.jinja_env.globals["site_name"] = "Firsthand"
    app.jinja_env.globals["report_vocab"] = vocab
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
