"""What only those who run the site see: the periodic jobs and their runs."""

from forum.policy.viewer import is_admin


def may_see_jobs(viewer) -> bool:
    """Admins: a failed run's error may name a member's address or a file."""
    return is_admin(viewer)
