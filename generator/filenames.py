"""The manifest's file name, a contract (docs/architecture.md), on its own: lint compares
every file name it walks against it, and loading the manifest's model for that would cost
every run milliseconds (`manifest` re-exports it for everyone else).
"""

MANIFEST = "xgen-manifest.json"
