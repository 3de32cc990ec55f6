"""Blocking: a member keeps another out of their way. The blocked member cannot mention
them, quote them or (once there are messages) write to them, and their posts show to the
blocker folded. It is private: the blocked member is never told."""
