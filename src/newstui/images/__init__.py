"""Pictures of articles: fetched lazily, decoded safely, kept in a capped disk cache.

An I/O layer beside ``bookmarks``: it uses the feeds' HTTP layer (``sources.fetch``) and
Pillow, never Textual. ``store`` keeps the bytes (an LRU cache with a size cap, plus pinned
copies for bookmarks), ``decode`` turns bytes into a bounded picture, and ``loader`` joins
the two with the fetch layer for the article view.
"""
