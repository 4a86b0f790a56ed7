"""Content: files under `content/` → line-aware records → a validated `Library`, or problems."""
