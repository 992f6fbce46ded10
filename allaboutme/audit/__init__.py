"""Append-only, hash-chained audit events per authority, with signed checkpoints."""
