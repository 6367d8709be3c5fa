"""The operators' inbox: voice messages and call-back requests, taken like callers from the same line."""
