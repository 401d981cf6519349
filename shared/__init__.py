"""Infrastructure every Pathways service shares: settings, database, errors, HTTP plumbing.

Nothing domain-specific lives here; services import from this package and never from each other.
"""
