"""Defaults. Every key can be overridden by a FORUM_-prefixed environment variable
(FORUM_SECRET_KEY, FORUM_DATABASE_URL, ...), parsed as JSON where it can be."""

SECRET_KEY: str | None = None

# None means a SQLite file in the instance folder.
DATABASE_URL: str | None = None

# Development sign-in at /login/dev; refused outside debug and testing.
DEV_LOGIN = False

# Rate-limit storage shared by all workers; None keeps limits in this process's memory.
REDIS_URL: str | None = None

# "json": the log is one JSON object a line, each with its request's id, for a log
# collector; "text": Flask's own lines (forum/request_ids.py).
LOG_FORMAT = "text"

# Who may read /metrics: addresses or networks, e.g. ["127.0.0.1", "10.0.0.0/8"]. Anyone
# else gets a 404.
METRICS_ALLOW = ["127.0.0.1", "::1"]
RATELIMIT_ENABLED = True
# Per address, on each page (forum/ratelimit.py).
RATELIMIT_DEFAULT = "300 per minute"
# Before every counter's key: apps sharing one Redis keep apart.
RATELIMIT_KEY_PREFIX = ""
# Per member (per address for visitors): posts and replies, new threads, flags.
RATELIMIT_POSTS = "6 per minute;200 per day"
RATELIMIT_THREADS = "20 per day"
# The same for new members (forum/policy/trust.py): fewer while the forum gets to know them.
RATELIMIT_POSTS_NEW = "3 per minute;30 per day"
RATELIMIT_THREADS_NEW = "3 per day"
RATELIMIT_FLAGS = "30 per day"
# Per member: "Helpful" and "Me too" (each click, on or off, counts).
RATELIMIT_REACTIONS = "60 per minute;1000 per day"
# Per member: saves of an experience report's draft (each step, "Save draft", the autosave).
RATELIMIT_DRAFTS = "30 per minute;2000 per day"
# Per member: bookmarks kept, let go or given a note.
RATELIMIT_BOOKMARKS = "30 per minute;1000 per day"
# Per member: blocks made or taken back.
RATELIMIT_BLOCKS = "30 per minute;500 per day"
# Per member: attempts to start a private conversation, and messages written.
RATELIMIT_CONVERSATIONS = "10 per day"
RATELIMIT_MESSAGES = "10 per minute;300 per day"
# Per address: sign-in attempts (provider round trips and the development sign-in).
RATELIMIT_SIGN_IN = "20 per minute"

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 20
SEARCH_RESULTS_PER_PAGE = 20
BOOKMARKS_PER_PAGE = 20
PROFILE_RECENT_POSTS = 20
# Addresses per sitemap file (the protocol allows 50,000); past it /sitemap.xml becomes an
# index of /sitemap-1.xml, /sitemap-2.xml, ...
SITEMAP_URLS_PER_FILE = 50000

# None: Secure (HTTPS-only) cookies everywhere except debug and testing.
SESSION_COOKIE_SECURE: bool | None = None
REMEMBER_COOKIE_SECURE: bool | None = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"

# The CSRF token lives as long as the session, so a long reply is never lost to an expiry.
WTF_CSRF_TIME_LIMIT = None

# Behind a TLS-terminating proxy that sets X-Forwarded-For/-Proto/-Host.
PROXY_FIX = False

# Social sign-in. The external address of the site, used to build callback URLs (never the
# Host header); required when a provider is configured outside debug and testing.
BASE_URL: str | None = None
# Each built-in provider is on when its client id is set: FORUM_<NAME>_CLIENT_ID and
# FORUM_<NAME>_CLIENT_SECRET for GOOGLE, MICROSOFT, GITHUB, FACEBOOK, X, WORDPRESS.
MICROSOFT_TENANT = "common"
# Apple: FORUM_APPLE_CLIENT_ID (the Services ID), _TEAM_ID, _KEY_ID, _PRIVATE_KEY (PEM).
# Generic OpenID Connect providers: a JSON list of
# {"name", "title", "discovery_url", "client_id", "client_secret"}.
OIDC_PROVIDERS: list = []
# Endpoint overrides per provider (tests point them at local stand-ins).
OAUTH_ENDPOINTS: dict = {}

SESSION_COOKIE_NAME = "firsthand_session"
REMEMBER_COOKIE_NAME = "firsthand_remember"
REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
PSEUDONYM_CHANGE_DAYS = 7

# Moderation.
FLAG_HIDE_THRESHOLD = 3  # what open flags add up to (by weight) to hide a post pending review
FLAG_DAILY_LIMIT = 20  # flags per member per day
FLAG_MIN_ACCOUNT_AGE_HOURS = 24  # how old an account must be to flag

# New-member safeguards (moderators are exempt).
NEW_MEMBER_APPROVAL_POSTS = 1  # a member's first N posts wait for a moderator's approval
NEW_MEMBER_LINK_LIMIT = 2  # links a new member's post may carry (forum/policy/trust.py)

# Notification e-mail. Off until FORUM_MAIL_HOST is set; then FORUM_MAIL_FROM is required,
# and links in mails are built from BASE_URL (required outside debug and testing).
MAIL_HOST: str | None = None
# None: 465 with SSL, 587 with STARTTLS, 25 otherwise.
MAIL_PORT: int | None = None
# Login is skipped when no user name is set.
MAIL_USERNAME: str | None = None
MAIL_PASSWORD: str | None = None
# STARTTLS after connecting (the submission port, 587). Required when on: a server that
# does not offer it gets no mail and no password. False only for a relay on the same host.
MAIL_USE_TLS = True
MAIL_USE_SSL = False  # TLS from the first byte (port 465) instead; STARTTLS is then unused
# The sender, e.g. "Firsthand <notifications@forum.example>".
MAIL_FROM: str | None = None
MAIL_TIMEOUT = 30  # seconds for each exchange with the SMTP server
# A mail the server refuses for a while (4xx, or the server is down) is tried again later,
# waiting twice as long each time from this many seconds, at most this many times (with
# these defaults the last try is about 8.5 hours after the first). A 5xx refusal is final.
MAIL_RETRY_SECONDS = 60
MAIL_MAX_ATTEMPTS = 10

# A member's data export (/settings/export). Accounts with at most this many posts get
# their ZIP within the request; larger ones are queued for `flask forum build-exports`.
EXPORT_INLINE_MAX_POSTS = 2000
# Days a built export can be downloaded before purge_expired_exports deletes it.
EXPORT_RETENTION_DAYS = 7
# Per member: export requests (each one reads everything the member ever wrote).
RATELIMIT_EXPORTS = "10 per hour"

# Retention (`flask forum purge-expired`, run daily): security events, which hold truncated
# addresses, and sent or abandoned e-mail are deleted after this many days.
SECURITY_LOG_RETENTION_DAYS = 30
MAIL_RETENTION_DAYS = 30
# Drafts (of experience reports, new threads and replies) are deleted this many days after
# they were last saved.
DRAFT_DAYS = 30
# The record of the periodic jobs' runs (the admins' jobs page) is kept this long.
JOB_RUNS_KEEP_DAYS = 30

# Deleting an account needs a sign-in at most this many seconds old.
REAUTH_MAX_AGE = 600

# Moderators and admins type their second factor's code once a session; sanctions and appeal
# decisions need it typed at most this many seconds ago.
SECOND_FACTOR_MAX_AGE = 600
# Per member: codes typed (a six-digit code has a million values; this keeps guessing slow).
RATELIMIT_SECOND_FACTOR = "6 per minute;30 per hour"

# Visitors' home, board and thread pages: each worker keeps recently rendered pages, keyed by
# their ETag, up to this many bytes (0 turns it off).
RENDERED_PAGES_BYTES = 8_000_000
# Each post of a thread page, rendered once per version of its rows and of what its viewer
# is offered (forum/threads/blocks.py), for members and visitors alike: per worker, up to
# this many bytes (0 turns it off).
RENDERED_POSTS_BYTES = 16_000_000
