"""Fair selection: quotas, the maximin lottery over types, transparent draws, mixed tables."""
