"""Module-worker entry points (Python) and their bootstrap (boot.mjs)."""
