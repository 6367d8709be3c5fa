"""IVR: loading flows from ``ivr_flows/``, prompt audio, and stepping calls through a flow."""
