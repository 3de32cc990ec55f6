"""Who reads and writes moderators' notes on members.

Notes are for moderators (and admins) only: a member never sees them on the forum, only in
their own data export, which the law gives them. Any moderator writes a note about any
member but themselves; only its writer corrects it, and only for EDIT_HOURS, after which it
is part of the record. Nobody deletes a note: erasing the member's account is the only way
notes go.

Every function is pure: it reads the objects it is given and the clock it is passed."""

from datetime import datetime, timedelta

from forum.policy.viewer import is_moderator, is_self

# Long enough to fix a slip or add what came to light the same day; short enough that a
# note other moderators have read and acted on does not change under them later. A later
# correction is a new note, dated, beside the old one.
EDIT_HOURS = 24
EDIT_PERIOD = timedelta(hours=EDIT_HOURS)

MODERATORS_ONLY = "Only moderators can do that."


def may_read_notes(viewer) -> bool:
    """Moderators and admins read every member's notes."""
    return is_moderator(viewer)


def note_refusal(viewer, member) -> str | None:
    """Why `viewer` may not write a note about `member`, or None if they may."""
    if not is_moderator(viewer):
        return MODERATORS_ONLY
    if is_self(viewer, member.id):
        # A record of one's own moderation written by oneself records nothing.
        return "Other moderators keep the notes about you."
    return None


def may_write_note(viewer, member) -> bool:
    return note_refusal(viewer, member) is None


def edit_ends_at(note) -> datetime:
    """Until when the note's writer may still change it."""
    return note.created_at + EDIT_PERIOD


def edit_refusal(viewer, note, now: datetime) -> str | None:
    """Why `viewer` may not change `note` now, or None if they may."""
    if not is_moderator(viewer):
        return MODERATORS_ONLY
    if not is_self(viewer, note.author_id):
        return "Only the moderator who wrote a note can change it. Add a note of your own."
    if now >= edit_ends_at(note):
        return (
            f"A note can be changed for {EDIT_HOURS} hours after it is written; this one "
            "is now part of the record. Add a new note instead."
        )
    return None


def may_edit_note(viewer, note, now: datetime) -> bool:
    return edit_refusal(viewer, note, now) is None
