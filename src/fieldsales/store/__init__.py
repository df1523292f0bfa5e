"""Persistence: the only layer that talks SQL."""
