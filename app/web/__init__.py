"""What every web console shares: how things are displayed and how pages stay live."""
