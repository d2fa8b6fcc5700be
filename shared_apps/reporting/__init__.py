"""Declarations shared by the store's and HQ's reporting (no models, no Django app)."""
