"""Enquiry statistics (models)."""
