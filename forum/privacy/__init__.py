"""A member's rights over their data: consent to process health information, and erasure."""
