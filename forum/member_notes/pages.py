"""The Notes section of a member's moderation page: the moderation view shows it, and the
notes' own pages show it again around a refused form. What each note shows (its writer, or
"former moderator"; whether the viewer may still correct it) is decided here, from the
policy, so the template only renders."""

from dataclasses import dataclass
from datetime import datetime

from forum.accounts.models import User
from forum.extensions import utcnow
from forum.member_notes import services
from forum.member_notes.forms import NoteForm
from forum.member_notes.models import MemberNote
from forum.policy import member_notes as policy

# An erased moderator's notes stay: they are the forum's record about the member, not the
# moderator's words about themselves. Their pseudonym does not.
FORMER_MODERATOR = "former moderator"


@dataclass(frozen=True)
class NoteView:
    note: MemberNote
    writer: str
    # Until when the viewer may still correct it; None: they may not.
    editable_until: datetime | None


@dataclass(frozen=True)
class NotesSection:
    member: User
    entries: list[NoteView]
    form: NoteForm | None  # None when the viewer may not write here
    refusal: str | None  # why not, then


def writer_name(note: MemberNote) -> str:
    return FORMER_MODERATOR if note.author.deleted_at is not None else note.author.display_name


def note_view(viewer: User, note: MemberNote, now: datetime) -> NoteView:
    editable = policy.may_edit_note(viewer, note, now)
    return NoteView(note, writer_name(note), policy.edit_ends_at(note) if editable else None)


def notes_section(viewer: User, member: User, form: NoteForm | None = None) -> NotesSection:
    """The member's notes newest first (one statement) and the form to add one: `form`
    is a refused one, shown again with what was typed."""
    now = utcnow()
    refusal = policy.note_refusal(viewer, member)
    if refusal is None and form is None:
        form = NoteForm()
    return NotesSection(
        member=member,
        entries=[note_view(viewer, note, now) for note in services.list_notes(viewer, member)],
        form=None if refusal else form,
        refusal=refusal,
    )
