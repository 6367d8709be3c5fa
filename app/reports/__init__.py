"""Reports for supervisors: contacts by day, hour, category, language, service and referral; service level."""
