"""Experience reports: structured outcomes attached to posts, and their summaries."""
