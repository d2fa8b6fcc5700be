"""Data Kanban (models)."""
