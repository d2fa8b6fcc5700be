"""Billing (models)."""
