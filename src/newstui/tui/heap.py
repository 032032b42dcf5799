"""The reader's heap and Python's cyclic garbage collector around start-up.

Starting the reader imports Textual and builds the screen: a few hundred thousand
objects, nearly all of which live as long as the process. The cyclic collector walks
them again and again meanwhile (about a hundred young-generation passes, and one full
pass of 40-70 ms just before the first frame), work that finds almost nothing: measured,
a collection right after the first paint frees about 3,500 objects. So the command that
opens the reader holds the collector (``hold_collector``) before the imports, and the
app settles the heap once it has painted and warmed up (``settle``): what it holds then
is frozen out of the collector's sight and collection resumes, for young objects only.
"""

from __future__ import annotations

import gc

_held = False


def hold_collector() -> None:
    """Pause automatic collection until ``settle`` (only if it is running: a caller that
    turned it off itself keeps it off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def held() -> bool:
    """Whether ``hold_collector`` paused the collector and ``settle`` has not resumed it."""
    return _held


def release() -> None:
    """Resume collection if ``hold_collector`` paused it and nothing has settled the heap
    (the reader closed, or failed, before it settled)."""
    global _held
    if _held:
        _held = False
        gc.enable()


def settle() -> None:
    """Move what the started reader holds (Textual's widgets, the imported modules, the
    first pages) out of the cyclic collector's sight, and resume collection if
    ``hold_collector`` paused it. A full collection otherwise walks all of it, a pause of
    60-200 ms of CPU that lands on whatever key is being handled (seen as one keystroke in
    a dozen taking five times the others); afterwards it walks only what was made since.
    (Not preceded by a collection of its own: that would be the same pause. Frozen
    objects whose count of references drops to zero are still freed; only cycles among
    them are kept, a few thousand small objects from the start.)"""
    global _held
    gc.freeze()
    if _held:
        _held = False
        gc.enable()
