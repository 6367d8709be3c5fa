"""Chats: web contacts (from a QR code) and their messages, in the same line as callers; no pages here."""
