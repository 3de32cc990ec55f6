"""Moderators' notes on members: dated, plain-text records ("contacted 3 Dec, has support at
home") that only moderators read, that their writer may correct for a day, and that go only
with the member's account."""
