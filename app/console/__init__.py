"""The operator console: availability, the live queue, picking a caller, and the case form during and after the call.

A front door: it calls services only (queue, cases, auth models), never another front door.
"""
