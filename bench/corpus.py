"""Deterministic benchmark corpus: feeds (RSS 2.0 / Atom), local text articles, OPML.

Every article title starts with a marker ``NB`` + six digits (``NB000123 ...``) so a
screen scraper can tell an article row from anything else on screen. The ordinary
vocabulary never contains the letters j, q, x or z; the search benchmark (P2) plants
a few articles whose titles hold the prefixes of ``SEARCH_QUERY`` so that every
keystroke of that query changes the match set in a way that can be seen on screen.

Usage: ``python -m bench.corpus feeds OUT --sources 5 --articles 30`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

TITLE_MARKER = "NB"
TITLE_REGEX = r"NB\d{6}"
SEARCH_QUERY = "zaqjuv"
BASE_TIME = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
TEXT_ID_BASE = 900_000  # ids of local text articles: NB900000...

_WORDS = """
the a of and to in for on with at by from as about after over under between into through
city council harbor budget river bridge school teacher market price energy power plant
water rain storm summer winter spring autumn festival music theater museum library train
station airport road traffic bicycle garden park forest mountain valley island coast ship
port factory worker union wage vote election mayor minister parliament court judge law
police report study science research university student doctor hospital health patient
virus medicine farmer harvest wheat coffee bread cheese restaurant chef hotel tourist
travel ticket rail network internet software computer phone data privacy security startup
company bank loan interest rate inflation growth trade export import tariff border
neighbor family children parent story history archive painting artist novel poet film
cinema actor stadium team player coach match goal season record champion league final
north south east west central old new small large early late long short fast slow open
closed public private local national global green blue red black white bright dark quiet
loud warm cold dry wet strong weak rich poor free cheap modest sudden steady rapid gentle
plans opens closes wins loses builds approves rejects delays expands reduces raises cuts
warns announces launches finds shows reveals grows falls rises returns moves starts ends
""".split()
_WORDS = [w for w in _WORDS if not set(w) & set("jqxz")]


def _rare_words(n: int) -> list[str]:
    """``n`` made-up words (no j, q, x or z), most of them rare in the corpus."""
    rng = random.Random("newstui-bench-vocabulary")
    onsets, vowels = "bcdfghklmnprstvw", "aeiou"
    out: dict[str, None] = {}
    while len(out) < n:
        syllables = rng.randint(2, 4)
        out["".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables))] = None
    return [w for w in out if w not in _WORDS]


_RARE = _rare_words(40_000)
RARE_SHARE = 0.12  # share of running words drawn from the rare vocabulary
MINUTES_APART = 3  # articles are this far apart in time: 1M articles span about 5.7 years

CATEGORY_POOL = [
    "Politics",
    "Economy",
    "Culture",
    "Science",
    "Sports",
    "Health",
    "Travel",
    "Technology",
    "Local",
    "Weather",
    "Education",
    "Transport",
    "Environment",
    "Media",
    "Food",
    "Housing",
]
TAG_POOL = [
    "x",
    "update",
    "analysis",
    "interview",
    "opinion",
    "photo",
    "brief",
    "longread",
    "feature",
    "live",
    "review",
    "data",
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Frida",
    "Greta",
    "Hannes",
    "Ida",
    "Karl",
    "Lena",
    "Martin",
    "Nora",
    "Oskar",
    "Paula",
    "Rosa",
    "Simon",
    "Tilda",
    "Ulla",
    "Vera",
]
LAST_NAMES = [
    "Berger",
    "Fischer",
    "Hartmann",
    "Keller",
    "Lange",
    "Meier",
    "Neumann",
    "Roth",
    "Schmidt",
    "Vogel",
    "Wagner",
    "Weber",
    "Brandt",
    "Hoffmann",
    "Richter",
    "Sommer",
]
CITIES = [
    "Berlin",
    "Hamburg",
    "Bremen",
    "Dresden",
    "Bochum",
    "Hannover",
    "Bonn",
    "Kiel",
    "Rostock",
    "Potsdam",
    "Erfurt",
    "Halle",
    "Essen",
    "Dortmund",
    "Stuttgart",
    "Ulm",
]


@dataclass
class Article:
    uid: int
    title: str
    link: str
    guid: str
    author: str
    city: str
    published: datetime
    categories: list[str]
    tags: list[str]
    paragraphs: list[str]

    @property
    def html(self) -> str:
        return "".join(f"<p>{escape(p)}</p>\n" for p in self.paragraphs)


@dataclass
class Feed:
    index: int
    fmt: str  # "rss" or "atom"
    title: str
    site: str
    articles: list[Article] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"feed{self.index:04d}.{'rss' if self.fmt == 'rss' else 'atom'}"


def _word(rng: random.Random) -> str:
    """A word: common ones uniformly, rare ones with a long tail (word k ~ k^-2/3 density)."""
    r = rng.random()
    if r >= RARE_SHARE:
        return _WORDS[int((r - RARE_SHARE) / (1 - RARE_SHARE) * len(_WORDS))]
    return _RARE[int(len(_RARE) * (r / RARE_SHARE) ** 3)]


def _sentence(rng: random.Random, lo: int = 6, hi: int = 20) -> str:
    words = [_word(rng) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


_POOL: list[str] = []


def _paragraph(rng: random.Random) -> str:
    """2-6 sentences: most from a shared pool (a million articles are written in minutes,
    not hours), one in two paragraphs with a fresh sentence that carries rarer words."""
    if not _POOL:
        pool_rng = random.Random("newstui-bench-sentences")
        _POOL.extend(_sentence(pool_rng) for _ in range(50_000))
    n = rng.randint(2, 6)
    parts = [_POOL[int(rng.random() * len(_POOL))] for _ in range(n)]
    if rng.random() < 0.5:
        parts[-1] = _sentence(rng)
    return " ".join(parts)


def _title(rng: random.Random, uid: int, planted: str | None = None) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 8))]
    if planted:
        words.insert(1, planted)
    return f"{TITLE_MARKER}{uid:06d} " + " ".join(words).capitalize()


def planted_uids(n_sources: int, per_source: Sequence[int]) -> dict[int, str]:
    """Map article uid -> planted word (prefix k of SEARCH_QUERY), for P2.

    Planted articles sit in the middle of the date order, never on the first screen.
    """
    total = sum(per_source)
    if total < 4 * len(SEARCH_QUERY):
        return {}
    middle = total // 2
    out: dict[int, str] = {}
    for k in range(1, len(SEARCH_QUERY) + 1):
        out[middle + 3 * k] = SEARCH_QUERY[:k]
    return out


def _uid(source: int, entry: int, n_sources: int) -> int:
    """Global order: uid 0 is the newest article, dates fall with the uid."""
    return entry * n_sources + source


def build_feeds(
    n_sources: int,
    per_source: int | Sequence[int],
    seed: int = 1,
    base_url: str = "http://127.0.0.1:9",
) -> list[Feed]:
    return list(iter_feeds(n_sources, per_source, seed, base_url))


def iter_feeds(
    n_sources: int,
    per_source: int | Sequence[int],
    seed: int = 1,
    base_url: str = "http://127.0.0.1:9",
) -> Iterator[Feed]:
    """The feeds one at a time (a million articles do not fit in memory at once)."""
    counts = [per_source] * n_sources if isinstance(per_source, int) else list(per_source)
    plants = planted_uids(n_sources, counts)
    for s in range(n_sources):
        rng = random.Random(f"{seed}-feed-{s}")
        fmt = "rss" if s % 2 == 0 else "atom"
        feed = Feed(s, fmt, f"Bench Source {s:04d}", f"{base_url}/site/{s:04d}/")
        for e in range(counts[s]):
            uid = _uid(s, e, n_sources)
            feed.articles.append(_article(rng, uid, plants.get(uid), feed.site, tags=[]))
        yield feed


def _article(rng: random.Random, uid: int, planted: str | None, site: str, tags: list[str]) -> Article:
    return Article(
        uid=uid,
        title=_title(rng, uid, planted),
        link=f"{site}article/{uid:06d}.html",
        guid=f"urn:newstui-bench:{uid:06d}",
        author=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        city=rng.choice(CITIES),
        published=BASE_TIME - timedelta(minutes=uid * MINUTES_APART),
        categories=rng.sample(CATEGORY_POOL, rng.randint(1, 3)),
        tags=tags,
        # Teasers and whole articles: 1 to 6 paragraphs (about 0.3 to 5 kB of text).
        paragraphs=[_paragraph(rng) for _ in range(rng.choice((1, 1, 2, 3, 3, 4, 6)))],
    )


def rss_xml(feed: Feed) -> bytes:
    items = []
    for a in feed.articles:
        cats = "".join(f"<category>{escape(c)}</category>" for c in a.categories)
        items.append(
            "<item>"
            f"<title>{escape(a.title)}</title>"
            f"<link>{escape(a.link)}</link>"
            f'<guid isPermaLink="false">{escape(a.guid)}</guid>'
            f"<pubDate>{format_datetime(a.published)}</pubDate>"
            f"<dc:creator>{escape(a.author)}</dc:creator>"
            f"{cats}"
            f"<description><![CDATA[{a.html}]]></description>"
            "</item>\n"
        )
    updated = feed.articles[0].published if feed.articles else BASE_TIME
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(feed.title)}</title>\n<link>{escape(feed.site)}</link>\n"
        f"<description>Benchmark feed {feed.index}</description>\n"
        f"<lastBuildDate>{format_datetime(updated)}</lastBuildDate>\n"
        + "".join(items)
        + "</channel>\n</rss>\n"
    ).encode()


def atom_xml(feed: Feed) -> bytes:
    entries = []
    for a in feed.articles:
        cats = "".join(f"<category term={quoteattr(c)}/>" for c in a.categories)
        stamp = a.published.isoformat().replace("+00:00", "Z")
        entries.append(
            "<entry>"
            f"<title>{escape(a.title)}</title>"
            f'<link rel="alternate" href={quoteattr(a.link)}/>'
            f"<id>{escape(a.guid)}</id>"
            f"<published>{stamp}</published><updated>{stamp}</updated>"
            f"<author><name>{escape(a.author)}</name></author>"
            f"{cats}"
            f'<content type="html">{escape(a.html)}</content>'
            "</entry>\n"
        )
    updated = (feed.articles[0].published if feed.articles else BASE_TIME).isoformat()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>{escape(feed.title)}</title>\n"
        f'<link rel="alternate" href={quoteattr(feed.site)}/>\n'
        f"<id>urn:newstui-bench:feed:{feed.index}</id>\n"
        f"<updated>{updated.replace('+00:00', 'Z')}</updated>\n" + "".join(entries) + "</feed>\n"
    ).encode()


def feed_bytes(feed: Feed) -> bytes:
    return rss_xml(feed) if feed.fmt == "rss" else atom_xml(feed)


def write_feeds(feeds: Iterable[Feed], out: Path) -> list[Path]:
    """Write every feed to ``out``; file mtimes are the feed's newest entry date."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for feed in feeds:
        path = out / feed.filename
        path.write_bytes(feed_bytes(feed))
        newest = feed.articles[0].published if feed.articles else BASE_TIME
        os.utime(path, (newest.timestamp(), newest.timestamp()))
        paths.append(path)
    return paths


def text_articles(
    count: int, seed: int = 1, tag_x_every: int = 10, start_uid: int = TEXT_ID_BASE
) -> Iterator[Article]:
    """Local articles; every ``tag_x_every``-th one (1 = all) carries the tag ``x``."""
    for i in range(count):
        rng = random.Random(f"{seed}-text-{i}")
        tags = rng.sample(TAG_POOL[1:], rng.randint(1, 2))
        if tag_x_every and i % tag_x_every == 0:
            tags.insert(0, "x")
        uid = start_uid + i
        yield _article(rng, uid, None, "file:///bench/", tags)


def article_text(a: Article) -> str:
    """The newstui plain-text article format."""
    parts = [a.title, *a.paragraphs, f"{a.author}, {a.city}"]
    meta = f"Kategorien: {', '.join(a.categories)}\nSchlagworte: {', '.join(a.tags)}"
    return "\n\n".join(parts) + "\n\n" + meta + "\n"


def write_text_articles(
    out: Path, count: int, seed: int = 1, tag_x_every: int = 10, start_uid: int = TEXT_ID_BASE
) -> list[Path]:
    """Write ``count`` .txt articles; mtimes are old dates so they never sort first."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for a in text_articles(count, seed, tag_x_every, start_uid):
        path = out / f"article{a.uid:06d}.txt"
        path.write_text(article_text(a), encoding="utf-8")
        stamp = (BASE_TIME - timedelta(days=400, minutes=a.uid - start_uid)).timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


def write_opml(out: Path, entries: Sequence[tuple[str, str, str]]) -> Path:
    """``entries``: (title, xml_url, category)."""
    body = []
    for title, url, category in entries:
        body.append(
            f'<outline type="rss" text={quoteattr(title)} title={quoteattr(title)} '
            f"xmlUrl={quoteattr(url)} category={quoteattr(category)}/>"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">\n'
        "<head><title>newstui benchmark</title></head>\n<body>\n" + "\n".join(body) + "\n</body>\n</opml>\n",
        encoding="utf-8",
    )
    return out


def host_for(index: int, feeds_per_host: int) -> str:
    """Feed ``index`` lives on loopback host ``index // feeds_per_host + 1`` (127.0.1.1 …)."""
    from bench.server import host_address

    return host_address(index // feeds_per_host + 1)


def feed_urls(feeds: Sequence[Feed], port: int, feeds_per_host: int) -> list[str]:
    return [f"http://{host_for(f.index, feeds_per_host)}:{port}/feeds/{f.filename}" for f in feeds]


def spread(total: int, n_sources: int) -> list[int]:
    """Split ``total`` articles over ``n_sources`` as evenly as possible."""
    base, extra = divmod(total, n_sources)
    return [base + (1 if i < extra else 0) for i in range(n_sources)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("feeds", help="write feed files (and an OPML of server URLs)")
    f.add_argument("out", type=Path)
    f.add_argument("--sources", type=int, default=500)
    f.add_argument("--articles", type=int, default=30)
    f.add_argument("--port", type=int, default=8765)
    f.add_argument("--feeds-per-host", type=int, default=5)
    t = sub.add_parser("texts", help="write local plain-text articles")
    t.add_argument("out", type=Path)
    t.add_argument("--count", type=int, default=10_000)
    t.add_argument("--tag-x-every", type=int, default=10)
    for sp in (f, t):
        sp.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.cmd == "feeds":
        feeds = build_feeds(args.sources, args.articles, args.seed)
        write_feeds(feeds, args.out / "feeds")
        urls = feed_urls(feeds, args.port, args.feeds_per_host)
        entries = [(fd.title, u, "Bench") for fd, u in zip(feeds, urls, strict=True)]
        write_opml(args.out / "subs.opml", entries)
    else:
        write_text_articles(args.out, args.count, args.seed, args.tag_x_every)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
