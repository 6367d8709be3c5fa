"""Contacts, whatever their channel: what an operator sees of each and the use case that takes one from the line."""
