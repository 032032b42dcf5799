"""The pictures layer without Textual: the disk cache (cap, LRU, pins), the bounded decode,
and loading through the real HTTP layer from a loopback server."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from feedserver import FeedServer, server_fixture  # noqa: F401
from images_support import encode, png_bomb, scene
from newstui.config import Config
from newstui.images.decode import ImageProblem, decode
from newstui.images.loader import ImageLoader, ImageSettings, LoadedImage, refusal
from newstui.images.store import DEFAULT_CAP, MIB, ImageStore, url_key
from newstui.paths import Paths
from newstui.render import ImageRef, body_parts, html_to_markdown, image_enclosures
from newstui.sources.fetch import FetchLimits, make_client
from newstui.sources.refresh import refresh
from newstui.store.library import Library


def store_at(tmp_path: Path, cap: int = DEFAULT_CAP) -> ImageStore:
    return ImageStore(tmp_path / "cache" / "images", tmp_path / "data" / "pins", cap)


# ------------------------------------------------------------------ the cache
def test_defaults_are_a_200_mib_cache_and_5_mib_images() -> None:
    settings = ImageSettings.from_config(Config())
    assert settings.cache_cap == 200 * MIB == DEFAULT_CAP
    assert settings.max_bytes == 5 * MIB
    custom = Config()
    custom.image_cache_mb, custom.image_max_mb = 10, 1
    assert ImageSettings.from_config(custom).cache_cap == 10 * MIB
    assert ImageSettings.from_config(custom).max_bytes == 1 * MIB


def test_cache_is_under_the_cache_dir_and_pins_beside_the_library(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "root")
    loader = ImageLoader.for_paths(paths, Config())
    assert loader.store.cache_dir == paths.cache_dir / "images"
    assert loader.store.pin_dir.parent == paths.library.parent


def test_put_get_round_trip_and_nothing_half_written(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    assert store.get("https://a.example/x.png") is None
    store.put("https://a.example/x.png", b"bytes")
    assert store.get("https://a.example/x.png") == b"bytes"
    assert [p.name for p in store.cache_dir.iterdir()] == [url_key("https://a.example/x.png")]


def test_cap_evicts_least_recently_used_first(tmp_path: Path) -> None:
    store = store_at(tmp_path, cap=3000)
    for name in "abc":
        store.put(f"https://a.example/{name}", name.encode() * 1000)
    assert store.size() == 3000
    assert store.get("https://a.example/a") is not None  # a is now the most recent
    store.put("https://a.example/d", b"d" * 1000)  # over the cap: b is the oldest
    assert store.size() <= 3000
    assert store.get("https://a.example/b") is None
    for name in "acd":
        assert store.get(f"https://a.example/{name}") == name.encode() * 1000


def test_an_image_larger_than_the_whole_cache_is_not_kept(tmp_path: Path) -> None:
    store = store_at(tmp_path, cap=100)
    store.put("https://a.example/small", b"s" * 50)
    store.put("https://a.example/huge", b"h" * 500)
    assert store.get("https://a.example/huge") is None
    assert store.get("https://a.example/small") == b"s" * 50


def test_pinned_images_survive_the_cap_and_a_wiped_cache(tmp_path: Path) -> None:
    store = store_at(tmp_path, cap=1500)
    store.put("https://a.example/keep", b"k" * 1000)
    assert store.pin(7, ["https://a.example/keep", "https://a.example/never-fetched"]) == 1
    store.put("https://a.example/new", b"n" * 1000, pin_for=7)
    for i in range(5):
        store.put(f"https://a.example/filler{i}", b"f" * 1000)
    for path in store.cache_dir.iterdir():
        path.unlink()  # the user (or the system) empties the cache
    assert store.get("https://a.example/keep", 7) == b"k" * 1000
    assert store.get("https://a.example/new", 7) == b"n" * 1000
    assert store.get("https://a.example/keep") is None  # not for other articles


def test_unpin_and_prune_give_images_back_to_the_capped_cache(tmp_path: Path) -> None:
    store = store_at(tmp_path, cap=10_000)
    store.put("https://a.example/one", b"1" * 100, pin_for=1)
    store.put("https://a.example/two", b"2" * 100, pin_for=2)
    store.unpin(1)
    assert not (store.pin_dir / "1").exists()
    assert store.get("https://a.example/one") == b"1" * 100  # now an ordinary cache entry
    store.prune_pins(bookmarked={3})
    assert not (store.pin_dir / "2").exists()
    assert store.get("https://a.example/two") == b"2" * 100


# ------------------------------------------------------------------ decoding
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_decodes_common_web_formats(fmt: str) -> None:
    picture = decode(encode(scene(120, 80), fmt))
    assert picture.mode == "RGB" and picture.size == (120, 80)


def test_large_pictures_are_shrunk_for_the_terminal() -> None:
    picture = decode(encode(scene(3000, 1500), "JPEG"), max_side=600)
    assert max(picture.size) <= 600
    assert abs(picture.width / picture.height - 2) < 0.05


@pytest.mark.parametrize("side", [6_000, 30_000])
def test_decompression_bomb_is_refused_at_the_header(side: int) -> None:
    """36 megapixels trips newstui's own cap; 900 also trips Pillow's bomb check first."""
    bomb = png_bomb(side, side)
    assert len(bomb) < 2 * MIB  # small on the wire, huge once decoded
    with pytest.raises(ImageProblem, match=r"larger than 25 megapixels \(refused\)"):
        decode(bomb)


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty image"),
        (b"<html><body>not a picture</body></html>", "not an image this reader can show"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
            "not an image this reader can show",
        ),
        (encode(scene(2, 2)), "too small to show"),
    ],
)
def test_what_is_not_a_picture_is_one_clean_line(data: bytes, reason: str) -> None:
    with pytest.raises(ImageProblem, match=reason) as info:
        decode(data)
    assert "\n" not in str(info.value)


def test_truncated_image_is_broken_not_a_crash() -> None:
    data = encode(scene(200, 200), "PNG")
    with pytest.raises(ImageProblem, match="broken image data|not an image"):
        decode(data[: len(data) // 2])


def test_transparent_parts_are_laid_on_white() -> None:
    from PIL import Image

    clear = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert decode(encode(clear)).getpixel((5, 5)) == (255, 255, 255)


# ------------------------------------------------------------------ where pictures stand
def test_body_is_cut_where_its_pictures_stand() -> None:
    md = html_to_markdown(
        "<p>Intro.</p><figure><img src='/a.png' alt='A [cat]'><figcaption>Cap</figcaption>"
        "</figure><p>Text with <img src='inline.png'> inside.</p>"
        "<p><a href='/big'><img src='b.png'></a></p><pre><code>![x](https://c.example/c.png)"
        "</code></pre><p><img src='data:image/png;base64,AAAA' alt='data'></p>",
        "https://news.example/post/",
    )
    parts = body_parts(md)
    refs = [p for p in parts if isinstance(p, ImageRef)]
    assert refs == [
        ImageRef("https://news.example/a.png", "A [cat]"),
        ImageRef("https://news.example/post/b.png", "", "https://news.example/big"),
    ]
    assert parts[0] == "Intro."
    assert isinstance(parts[1], ImageRef)
    text = "\n".join(p for p in parts if isinstance(p, str))
    assert "[image: image](https://news.example/post/inline.png)" in text  # in a sentence: a link
    assert "https://c.example/c.png" in text  # inside code: text
    assert "[image: data]" in text and "data:" not in text  # never a data: URL


def test_markdown_images_and_hostile_targets() -> None:
    parts = body_parts(
        "![ok](https://a.example/ok.png)\n\n![js](javascript:alert(1))\n\n![f](file:///etc/passwd)"
    )
    assert parts[0] == ImageRef("https://a.example/ok.png", "ok")
    assert all(not isinstance(p, ImageRef) for p in parts[1:])


def test_feed_thumbnail_leads_unless_the_body_shows_it() -> None:
    from newstui.models import Article

    def art(enclosures: list[dict[str, object]]) -> Article:
        return Article(
            1, 1, "s", "k", "t", "", "", "", "", "html", 0.0, False, None, 0.0, False, enclosures, [], []
        )

    thumb = art(
        [
            {"url": "https://a.example/t.jpg", "type": "image"},
            {"url": "https://a.example/ep.mp3", "type": "audio/mpeg"},
        ]
    )
    lead = image_enclosures(thumb)
    assert lead == [ImageRef("https://a.example/t.jpg")]
    assert body_parts("Text", lead) == [ImageRef("https://a.example/t.jpg"), "Text"]
    assert body_parts("[image: t](https://a.example/t.jpg)\n\nText", lead) == [
        ImageRef("https://a.example/t.jpg", "t"),
        "Text",
    ]


def test_media_thumbnail_and_image_enclosure_reach_the_store(lib: Library) -> None:
    from newstui.sources.feedparse import parse_feed

    rss = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
<item><title>Thumb</title><link>https://a.example/1</link><guid>1</guid>
<media:thumbnail url="https://a.example/thumb.jpg" width="300" height="200"/>
<media:content url="https://a.example/photo.jpg" medium="image" type="image/jpeg"/>
<media:content url="https://a.example/clip.mp4" medium="video" type="video/mp4"/>
<media:thumbnail url="javascript:alert(1)"/>
</item></channel></rss>"""
    parsed = parse_feed(rss, "https://a.example/feed")
    src, _ = lib.add_source("https://a.example/feed")
    lib.upsert_articles(src.id, parsed.entries)
    art = lib.article(lib.list_articles(None, limit=None)[0].id)
    assert [r.url for r in image_enclosures(art)] == [
        "https://a.example/photo.jpg",
        "https://a.example/thumb.jpg",
    ]


# ------------------------------------------------------------------ loading
@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://127.0.0.1/x.png",
        "//127.0.0.1/x.png",
        "http://user:secret@127.0.0.1/x.png",
        "http:///x.png",
        "",
    ],
)
def test_hostile_image_addresses_are_refused_before_any_request(tmp_path: Path, url: str) -> None:
    requests: list[httpx.Request] = []

    async def run() -> LoadedImage:
        async def count(request: httpx.Request) -> None:
            requests.append(request)

        client = make_client(FetchLimits())
        client.event_hooks["request"] = [count]
        async with client:
            return await ImageLoader(store_at(tmp_path), ImageSettings()).load(client, url)

    loaded = asyncio.run(run())
    assert loaded.picture is None and loaded.error
    assert refusal(url) == loaded.error
    assert "\n" not in loaded.error and "secret" not in loaded.error
    assert requests == []


def load_all(loader: ImageLoader, urls: list[str], **kw: object) -> dict[str, LoadedImage]:
    async def run() -> dict[str, LoadedImage]:
        return {x.url: x async for x in loader.load_many(urls, **kw)}  # type: ignore[arg-type]

    return asyncio.run(run())


def test_fetches_once_then_reads_the_cache(tmp_path: Path, server: FeedServer) -> None:
    url = server.feed("/pic.png", encode(scene(200, 100)), content_type="image/png")
    loader = ImageLoader(store_at(tmp_path), ImageSettings())
    first = load_all(loader, [url, url])[url]
    assert first.picture is not None and first.picture.size == (200, 100) and first.fetched
    again = ImageLoader(store_at(tmp_path), ImageSettings(), network=False)
    second = load_all(again, [url])[url]
    assert second.picture is not None and not second.fetched
    assert len(server.requests("/pic.png")) == 1


def test_oversized_image_is_refused_and_not_cached(tmp_path: Path, server: FeedServer) -> None:
    url = server.oversized("/huge.png", 6 * MIB)
    chunked = server.oversized("/huge-chunked.png", 6 * MIB, chunked=True)
    loader = ImageLoader(store_at(tmp_path), ImageSettings())
    got = load_all(loader, [url, chunked])
    for loaded in got.values():
        assert loaded.picture is None
        assert loaded.error == "response larger than 5 MiB (refused)"
    assert not loader.store.cache_dir.exists() or not any(loader.store.cache_dir.iterdir())
    load_all(loader, [url])  # a failure is remembered for the session: not asked again
    assert len(server.requests("/huge.png")) == 1


def test_bomb_from_the_network_is_refused_and_not_cached(tmp_path: Path, server: FeedServer) -> None:
    url = server.feed("/bomb.png", png_bomb(), content_type="image/png")
    loader = ImageLoader(store_at(tmp_path), ImageSettings())
    loaded = load_all(loader, [url])[url]
    assert loaded.picture is None and "larger than 25 megapixels" in (loaded.error or "")
    assert not loader.store.has(url)


def test_a_web_page_or_a_missing_image_is_one_line(tmp_path: Path, server: FeedServer) -> None:
    page = server.feed("/page.png", b"<html>hi</html>", content_type="text/html")
    gone = server.status("/gone.png", 404)
    loader = ImageLoader(store_at(tmp_path), ImageSettings())
    got = load_all(loader, [page, gone])
    assert got[page].error == "not an image (text/html)"
    assert got[gone].error == "HTTP 404 Not Found"


def test_offline_serves_only_what_is_stored(tmp_path: Path, server: FeedServer) -> None:
    url = server.feed("/pic.png", encode(scene()), content_type="image/png")
    loader = ImageLoader(store_at(tmp_path), ImageSettings(), network=False)
    assert load_all(loader, [url])[url].error == "not downloaded (offline)"
    assert server.log == []


def test_bookmark_images_are_pinned_and_read_offline(tmp_path: Path, server: FeedServer) -> None:
    url = server.feed("/pic.png", encode(scene()), content_type="image/png")
    loader = ImageLoader(store_at(tmp_path, cap=1), ImageSettings())  # a cache that keeps nothing
    assert load_all(loader, [url], article_id=5, pinned=True)[url].picture is not None
    offline = ImageLoader(store_at(tmp_path, cap=1), ImageSettings(), network=False)
    assert load_all(offline, [url], article_id=5, pinned=True)[url].picture is not None
    assert load_all(offline, [url], article_id=6, pinned=True)[url].picture is None


def test_refresh_never_fetches_pictures(lib: Library, server: FeedServer) -> None:
    pic = server.feed("/pic.png", encode(scene()), content_type="image/png")
    rss = f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
<item><title>One</title><link>{server.url("/one")}</link><guid>1</guid>
<description><![CDATA[<p>Text</p><img src="{pic}" alt="x">]]></description>
<media:thumbnail url="{pic}"/><enclosure url="{pic}" type="image/png" length="10"/>
</item></channel></rss>""".encode()
    lib.add_source(server.feed("/feed.xml", rss))
    refresh(lib, Config())
    assert lib.list_articles(None, limit=None)
    assert server.requests("/pic.png") == []


def test_cache_files_are_only_hashes(tmp_path: Path, server: FeedServer) -> None:
    url = server.feed("/pic.png", encode(scene()), content_type="image/png")
    loader = ImageLoader(store_at(tmp_path), ImageSettings())
    load_all(loader, [url])
    names = os.listdir(loader.store.cache_dir)
    assert names == [url_key(url)] and all(c in "0123456789abcdef" for c in names[0])


def test_full_text_pictures_stand_in_the_text() -> None:
    """A fetched full text (Markdown from the same converter) is cut at its pictures too."""
    from newstui.bookmarks.fulltext import extract_markdown
    from newstui.models import Article
    from newstui.render import article_body

    page = (
        "<html><body><article><h1>Story</h1>"
        + "<p>A long paragraph of the story that goes on for a while. </p>" * 8
        + "<figure><img src='/photo.jpg' alt='The photo'></figure>"
        + "<p>The end of the story, after the picture.</p></article></body></html>"
    )
    md = extract_markdown(page, "https://news.example/story", "Story")
    art = Article(
        1, 1, "s", "k", "Story", "", "", "", "", "html", 0.0, False, None, 0.0, False, [], [], [], fulltext=md
    )
    parts = body_parts(article_body(art))
    assert ImageRef("https://news.example/photo.jpg", "The photo") in parts
    assert isinstance(parts[-1], str) and "after the picture" in parts[-1]


def test_config_keys_for_pictures(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[ui]\nimages = "off"\n\n[images]\ncache_mb = 50\nmax_mb = 2\n')
    cfg = Config.load(path)
    assert (cfg.images, cfg.image_cache_mb, cfg.image_max_mb) == ("off", 50, 2)
    assert Config().images == "blocks"  # the default that looks right in tmux and over ssh


def test_demo_draws_every_picture_its_articles_name(tmp_path: Path) -> None:
    """`newstui demo` shows its pictures offline: each one the demo names is in the cache."""
    import re

    from newstui.demo import ARTICLES
    from newstui.demo.pictures import demo_pictures, seed_pictures

    named = set()
    for path in ARTICLES.rglob("*"):
        if path.is_file():
            named.update(re.findall(r"src=\"(https?://[^\"]+)\"", path.read_text("utf-8")))
    assert named and named <= set(demo_pictures())
    paths = Paths.resolve(tmp_path / "demo")
    seed_pictures(paths)
    store = ImageLoader.for_paths(paths, Config()).store
    for url in named:
        assert decode(store.get(url) or b"").size[0] > 100


def test_unbookmark_from_the_cli_gives_the_pinned_pictures_back(tmp_path: Path, cli) -> None:
    # The reader unpins when it shows an article that is no longer bookmarked; the CLI has
    # no view, so the core's unbookmark does it.
    paths = Paths.resolve(tmp_path / "data")
    feed = tmp_path / "feed.rss"
    feed.write_text(
        "<rss version='2.0'><channel><title>Bilder</title><item><guid>p1</guid>"
        "<title>Mit Bild</title><description>Text.</description></item></channel></rss>",
        encoding="utf-8",
    )
    with Library(paths.library) as lib:
        lib.add_source(str(feed))
        refresh(lib, Config())
        aid = lib.article_ids()[0]
        lib.bookmark(aid)
    store = ImageStore.for_paths(paths)
    store.put("https://pictures.example/p.png", b"png bytes", pin_for=aid)
    assert (store.pin_dir / str(aid)).is_dir()
    r = cli("unbookmark", str(aid), data=tmp_path / "data")
    assert r.returncode == 0, r.stderr
    assert not (store.pin_dir / str(aid)).exists()
    assert store.get("https://pictures.example/p.png") == b"png bytes"  # back in the cache
