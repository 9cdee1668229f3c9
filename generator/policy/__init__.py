"""Policy documents: built from the model as plain dicts (no I/O, no templates)."""
