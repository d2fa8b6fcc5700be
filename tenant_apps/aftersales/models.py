"""After-sales (models)."""
