"""Query arguments on the command line: a term like ``-category:payment`` is a query, not an option.

The query language negates with a leading ``-``; argparse would take such a word for an
unknown option. A parser with a positional named ``query`` therefore reads every word that
starts with a single ``-`` and is not one of its own options as a query term, and query
words may come before, between or after the options (``list -tag:x --limit 5 is:unread``).
``--`` still ends the options as usual. Long options (``--limit``) stay options, so a
mistyped one is still an error rather than a silent search.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

QUERY_DEST = "query"


def is_query_term(word: str, options: dict[str, argparse.Action]) -> bool:
    """True for a word that starts with one ``-`` and is not an option of this parser.

    ``-n`` (an option) and ``-n5`` (that option with its value attached) stay options;
    ``-news`` and ``-category:payment`` are query terms."""
    if not word.startswith("-") or word.startswith("--") or word == "-":
        return False
    if word in options:
        return False
    attached = word[2:].removeprefix("=")
    return not (word[:2] in options and attached.isdigit())


class QueryAwareParser(argparse.ArgumentParser):
    """An ArgumentParser whose ``query`` positional takes negated terms as typed."""

    def _takes_query(self) -> bool:
        return any(a.dest == QUERY_DEST and not a.option_strings for a in self._actions)

    def _parse_optional(self, arg_string: str) -> Any:
        if self._takes_query() and is_query_term(arg_string, self._option_string_actions):
            return None  # argparse's "this is a positional"
        return super()._parse_optional(arg_string)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        ns, extras = super().parse_known_args(args, namespace)
        if self._takes_query() and extras:
            # argparse fills a positional once; query words after an option come back as
            # extras. They belong to the query (unknown --options stay extras: an error).
            terms = [w for w in extras if w != "--" and not w.startswith("--")]
            if terms:
                ns.query = [*(getattr(ns, QUERY_DEST, None) or []), *terms]
                extras = [w for w in extras if w.startswith("--") and w != "--"]
        return ns, extras
