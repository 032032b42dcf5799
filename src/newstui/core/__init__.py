"""The use cases, one place for both faces.

The CLI and the TUI parse input, call a function here, and show what it returns; neither
writes a use case of its own, so the same action behaves the same way in both. Functions
take the library (and the config where they need it) explicitly and raise
``NewstuiError`` with the one line the faces show.
"""
