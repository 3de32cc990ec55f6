"""A member's copy of everything we hold about them (GDPR articles 15 and 20)."""
