"""Bookmarks beyond the store's records: full text for offline reading, and export."""
