"""Full-text search over transcripts and case notes, for supervisors."""
