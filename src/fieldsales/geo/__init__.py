"""Distances, offline location and online geocoding."""
