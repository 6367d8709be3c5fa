"""Pure core: flow model, validation, the IVR state machine and vocabularies (stdlib only)."""
