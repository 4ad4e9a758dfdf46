"""vsql bench: fixed workloads measured against a reference run in the same process."""
