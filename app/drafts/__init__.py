"""Case form drafts: what an operator typed into a case form and has not saved yet, kept per case and operator."""
