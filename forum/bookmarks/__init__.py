"""Private bookmarks: a member keeps posts worth coming back to (or showing a clinician),
each with an optional note only they see."""
