"""flask forum ...: seeding, demo content, roles, the periodic work and backups."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from forum.errors import DomainError
from forum.extensions import db


@click.group("forum")
def forum_cli():
    """Firsthand administration."""


@forum_cli.command("seed-boards")
def seed_boards_command():
    """Create or update the treatment boards from the data file (idempotent)."""
    from forum.boards.services import seed_boards

    created, updated = seed_boards()
    click.echo(f"Boards: {created} created, {updated} updated.")


@forum_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the forum has no posts yet.")
def seed_demo_command(if_empty: bool):
    """Add clearly labelled demo members, threads and replies."""
    from forum.demo import seed_demo
    from forum.threads.models import Post

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Post)):
        click.echo("Demo content skipped: the forum already has posts.")
        return
    # The demo content is ours, not new members' first posts: nothing waits for approval.
    config = current_app.config
    saved, config["NEW_MEMBER_APPROVAL_POSTS"] = config["NEW_MEMBER_APPROVAL_POSTS"], 0
    try:
        threads = seed_demo()
    finally:
        config["NEW_MEMBER_APPROVAL_POSTS"] = saved
    click.echo(f"Demo content: {threads} threads added.")


@forum_cli.command("set-role")
@click.argument("pseudonym")
@click.argument("role", type=click.Choice(["member", "moderator", "admin"]))
def set_role_command(pseudonym: str, role: str):
    """Give a member a role."""
    from forum.accounts.services import set_role

    try:
        user = set_role(pseudonym, role)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.display_name} is now {user.role}.")


@forum_cli.command("reset-second-factor")
@click.argument("pseudonym")
@with_appcontext  # also under app.test_cli_runner(), which skips FlaskGroup's context
def reset_second_factor_command(pseudonym: str):
    """Remove a moderator's second factor (a lost phone) and sign them out everywhere: they
    set up a new one at their next moderation page."""
    from forum.accounts.services import get_user_by_name
    from forum.auth.second_factor import reset_second_factor
    from forum.security import log_security_event

    user = get_user_by_name(pseudonym)
    if user is None:
        raise click.ClickException(f"No member is called {pseudonym!r}.")
    had_one = reset_second_factor(user)
    log_security_event("second_factor_reset", 200, "from the command line", actor_id=user.id)
    if had_one:
        click.echo(f"{user.display_name}'s second factor is reset; they are signed out.")
    else:
        click.echo(f"{user.display_name} had no second factor; they are signed out.")


@forum_cli.command("rerender")
def rerender_command():
    """Render every post's Markdown again (after a change to the content policy)."""
    from forum.accounts.services import mentionable_names
    from forum.content import render_markdown
    from forum.threads.models import Post

    changed = 0
    for post in db.session.scalars(sa.select(Post).execution_options(yield_per=500)):
        # Mentions of existing members stay links, but not of members who blocked the
        # author (a query only for posts that mention).
        html = render_markdown(
            post.body_source, mentionable_names(post.body_source, post.author_id)
        )
        if html != post.body_html:
            post.body_html = html
            changed += 1
    db.session.commit()
    click.echo(f"Re-rendered: {changed} posts changed.")


@forum_cli.command("jobs")
@click.option("--once", is_flag=True, help="Run what is due now, then stop.")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks.")
@with_appcontext  # also under app.test_cli_runner(), which skips FlaskGroup's context
def jobs_command(once: bool, poll: float):
    """Run the periodic work on its schedule until stopped (SIGTERM or Ctrl-C let the job
    under way finish): e-mail, exports, outcome releases, reminders, purging. Run it on one
    host or on several: each due run happens once."""
    import signal
    import threading

    from forum.jobs.runner import run_due_jobs, runnable_jobs, schedule, serve, this_host

    host = this_host()
    if once:
        schedule()
        ran = run_due_jobs(host)
        click.echo(f"Ran {len(ran)} due jobs: {', '.join(ran) or 'none'}.")
        return
    stop = threading.Event()
    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, lambda *_: stop.set())
    click.echo(f"Jobs on {host}: {', '.join(runnable_jobs())}. Stop with SIGTERM.")
    serve(host, stop, poll)
    click.echo("Jobs stopped.")


def _run_now(name: str) -> None:
    """One job's work, now, on this host (from cron, or by hand)."""
    from forum.jobs.runner import JOBS

    job = JOBS[name]
    off = job.off()
    click.echo(off if off else job.run())


@forum_cli.command("send-mail")
@with_appcontext
def send_mail_command():
    """Queue notification e-mail and send what is due (`jobs` runs it every 2 minutes)."""
    _run_now("send-mail")


@forum_cli.command("purge-expired")
@with_appcontext
def purge_expired_command():
    """Delete what is past its retention: security events, finished e-mail, data exports,
    sessions, report drafts, job runs (`jobs` runs it daily)."""
    _run_now("purge-expired")


@forum_cli.command("release-outcomes")
@with_appcontext
def release_outcomes_command():
    """Bring every treatment's published outcome figures up to date: a new release where
    at least 5 counted reports changed (`jobs` runs it hourly; reports also count as
    members' accounts come of age and posts are approved)."""
    _run_now("release-outcomes")


@forum_cli.command("send-followups")
@with_appcontext
def send_followups_command():
    """Ask members whose relief was still going on whether it still is, at 3, 6, 12 and 24
    months (`jobs` runs it daily; send-mail mails the reminders to those who chose e-mail)."""
    _run_now("send-followups")


@forum_cli.command("build-exports")
@with_appcontext
def build_exports_command():
    """Build the data exports large accounts asked for (`jobs` runs it every minute)."""
    _run_now("build-exports")


@forum_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Copy the whole forum's database to PATH, a new file, while the forum runs
    (SQLite's online backup; pg_dump on PostgreSQL)."""
    from forum.backup import back_up

    try:
        copied = back_up(db.engine.url, path)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Backed up: {copied.line()}.")


@forum_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.confirmation_option(
    prompt="This replaces everything in the forum's database with the copy. Are the app"
    " hosts and the jobs stopped?"
)
@with_appcontext
def restore_command(path: Path):
    """Replace the forum's database with a copy made by `backup` (stop the app hosts and
    the jobs first; then run `flask db upgrade` if the copy is older than the code)."""
    from forum.backup import restore

    db.engine.dispose()  # none of this process's connections outlive the old database
    try:
        copied = restore(db.engine.url, path)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Restored from {copied.line()}.")
