"""Private conversations between two or three members, with the safeguards a health forum
needs: who may write to whom (forum/policy/messages.py), blocks, limits, the crisis check,
and reports that open one conversation, and only that one, to the moderators."""
