"""The Textual face of newstui."""
