"""Calls: one row per phone call, its IVR state and the path it took."""
