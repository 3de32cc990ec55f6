"""Names of what sign-in keeps in the session that other features' pages read: kept here,
below the features, so those pages need not import the sign-in views."""

APPEAL_AS = "appeal_as"  # a locked-out member who may see and appeal their sanctions
# When the member proved who they are (POSIX seconds): erasing the account asks for a fresh
# sign-in, so a session left open on a shared computer cannot do it.
SIGNED_IN_AT = "signed_in_at"
# When the moderator last typed a second-factor code (POSIX seconds): once per session for
# any moderation, and recently (SECOND_FACTOR_MAX_AGE) for sanctions and appeal decisions.
# Signing in and out clear the session, so it never outlives one sign-in.
SECOND_FACTOR_AT = "second_factor_at"
