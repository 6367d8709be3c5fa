"""Referral follow-up: the agencies' feedback awaited, overdue or answered, and the forms that record it."""
