"""Replay: a call's recordings with their transcripts in step, its case and referrals, every access audited."""
