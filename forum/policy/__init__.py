"""Who may see what and do what: the one place every such rule is written.

Views, services, presenters and SQL listings all ask here; nothing else decides. One module
per kind of thing, after Discourse's Guardian and Mastodon's policies:

- viewer.py      who the viewer is (visitor, member, moderator, admin) and whether they may
                 publish at all (silenced, suspended, banned)
- threads.py     boards' threads and their posts, in every state: see, read, reply, quote,
                 edit, delete, flag, see a body or a history, change who reads, add or
                 update a report; and the same rules as SQL for lists (search, feeds,
                 profiles). A thread page's presenter (forum/threads/presenters.py) asks
                 these for each post, so templates decide nothing.
- moderation.py  moderators' decisions: approve, reject, hide, keep, restore, sanction, appeals
- accounts.py    profiles and what their counts may show, pseudonym and interest changes
- bookmarks.py   which posts a member may keep, and that a bookmark is its member's alone
- reading.py     whose reading the forum remembers ("3 new", "Mark all read")
- blocks.py      who may block whom (members, never a moderator), and whose blocks apply
- member_notes.py  moderators' notes on members: who reads them, who writes and corrects
                 them, and for how long
- operations.py  the periodic jobs' page (admins)
- messages.py    private conversations: who may start one with whom, reply, post links,
                 report; and that moderators read only a conversation a member reported
"""
