"""The case log: what each contact was about, what the helpline did, and the hand-overs it made."""
