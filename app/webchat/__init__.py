"""The child's page: the anonymous front door of the QR channel (``/q/<code>``), its chat and its return by code."""
