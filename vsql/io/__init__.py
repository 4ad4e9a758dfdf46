"""The I/O layer: decoders from bytes to Arrow batches, and finite file sources."""
