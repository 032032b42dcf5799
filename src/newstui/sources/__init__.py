"""Where articles come from: local files, feed documents, OPML lists and (in fetch) the web."""

import sys

# httpx's package imports its command-line client (``httpx._main``) whenever click, rich
# and pygments are installed, as they are beside Textual: about a fifth of a refresh's
# import time for a program newstui never runs. A None entry makes that one import fail
# at once, and httpx then leaves its CLI out (it catches the ImportError itself).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
