"""Tools for development only, never shipped in the container image (.containerignore)."""
