"""Pictures in the article view: half-cell snapshots of images the tests draw, served by a
loopback server; refused and broken images as one placeholder line; pictures off; a
bookmark's pictures read offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Static

from feedserver import FeedServer, server_fixture  # noqa: F401
from images_support import article, encode, picture_app, picture_library, png_bomb, scene
from newstui.images.store import MIB
from newstui.paths import Paths
from newstui.tui.widgets.article_image import ArticleImage
from support import settle, use_utc
from test_tui_support import screen_text

SIZE = (120, 40)


@pytest.fixture
def one_picture(tmp_path: Path, server: FeedServer) -> tuple[Paths, FeedServer]:
    use_utc()
    url = server.feed("/hill.png", encode(scene(400, 240)), content_type="image/png")
    paths = picture_library(
        tmp_path / "data",
        [
            article(
                "A picture in the text",
                "<p>Before the picture.</p>"
                f"<figure><img src='{url}' alt='A sunny hill'><figcaption>Our hill</figcaption>"
                "</figure><p>After the picture.</p>",
            ),
        ],
    )
    return paths, server


async def open_first(pilot) -> None:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def test_picture_drawn_in_half_cells_where_it_stands(one_picture, snap_compare) -> None:  # noqa: ANN001
    paths, server = one_picture
    assert snap_compare(picture_app(paths), terminal_size=SIZE, run_before=open_first)
    assert len(server.requests("/hill.png")) == 1


async def test_picture_sits_between_its_paragraphs(one_picture) -> None:  # noqa: ANN001
    paths, _server = one_picture
    app = picture_app(paths)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        text = screen_text(app)
        before, hill = text.index("Before the picture."), text.index("▀" * 40)
        assert before < hill < text.index("A sunny hill") < text.index("After the picture.")
        (image,) = app.screen.query(ArticleImage)
        assert image.loaded


async def test_nothing_is_fetched_before_an_article_is_opened(one_picture) -> None:  # noqa: ANN001
    paths, server = one_picture
    app = picture_app(paths)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert server.requests("/hill.png") == []


def test_feed_thumbnail_leads_the_article(tmp_path: Path, server: FeedServer, snap_compare) -> None:  # noqa: ANN001
    use_utc()
    thumb = server.feed("/thumb.jpg", encode(scene(300, 150), "JPEG"), content_type="image/jpeg")
    paths = picture_library(
        tmp_path / "data",
        [
            article(
                "A feed thumbnail",
                "<p>The text of the story.</p>",
                enclosures=[{"url": thumb, "type": "image"}],
            ),
        ],
    )
    assert snap_compare(picture_app(paths), terminal_size=SIZE, run_before=open_first)


@pytest.fixture
def hostile(tmp_path: Path, server: FeedServer) -> tuple[Paths, FeedServer]:
    use_utc()
    big = server.oversized("/big.png", 6 * MIB)
    bomb = server.feed("/bomb.png", png_bomb(), content_type="image/png")
    page = server.feed("/page.png", b"<html>no</html>", content_type="text/html")
    broken = server.feed("/broken.png", encode(scene())[:60], content_type="image/png")
    html = "".join(
        f"<p><img src='{src}' alt='{alt}'></p>"
        for src, alt in [
            ("data:image/png;base64,iVBORw0KGgo=", "a data picture"),
            ("file:///etc/passwd", "a local file"),
            ("javascript:alert(1)", "a script"),
            (big, "too large"),
            (bomb, "a bomb"),
            (page, "a web page"),
            (broken, "broken [bold]markup[/bold]"),
        ]
    )
    paths = picture_library(tmp_path / "data", [article("Hostile pictures", html)])
    return paths, server


def test_hostile_and_oversized_pictures_are_placeholder_lines(hostile, snap_compare) -> None:  # noqa: ANN001
    paths, _server = hostile
    assert snap_compare(picture_app(paths), terminal_size=(120, 46), run_before=open_first)


async def test_hostile_pictures_say_why_in_one_line(hostile) -> None:  # noqa: ANN001
    paths, server = hostile
    app = picture_app(paths)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_first(pilot)
        text = screen_text(app)
        for line in ("[image: a data picture]", "[image: a local file]", "[image: a script]"):
            assert line in text  # never a URL to fetch: the text says what was there
        lines = [str(w.query_one(".image-line", Static).content) for w in app.screen.query(ArticleImage)]
        assert lines == [
            "▣ too large — not shown: response larger than 5 MiB (refused)",
            "▣ a bomb — not shown: image of 6000×6000 pixels: larger than 25 megapixels (refused)",
            "▣ a web page — not shown: not an image (text/html)",
            "▣ broken [bold]markup[/bold] — not shown: broken image data (OSError)",
        ]
        assert not any(w.loaded for w in app.screen.query(ArticleImage))
    assert {r.path for r in server.log} == {"/big.png", "/bomb.png", "/page.png", "/broken.png"}
    assert list((paths.cache_dir / "images").glob("*")) == []  # nothing refused is kept


async def test_pictures_off_keeps_links_and_fetches_nothing(one_picture) -> None:  # noqa: ANN001
    paths, server = one_picture
    app = picture_app(paths, images="off")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        assert not app.screen.query(ArticleImage)
        text = screen_text(app)
        assert "image: A sunny hill" in text and "▀" not in text
    assert server.log == []


async def test_bookmark_keeps_its_pictures_offline(one_picture) -> None:  # noqa: ANN001
    paths, server = one_picture
    app = picture_app(paths)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        await pilot.press("b")  # bookmark the article being read: its pictures are pinned
        await settle(pilot)
    shutil.rmtree(paths.cache_dir, ignore_errors=True)  # the cache is gone, and so is the network
    offline = picture_app(paths, network=False)
    async with offline.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        (image,) = offline.screen.query(ArticleImage)
        assert image.loaded
        assert "▀" * 40 in screen_text(offline)
    assert len(server.requests("/hill.png")) == 1


async def test_unbookmarked_pictures_go_back_to_the_cache(one_picture) -> None:  # noqa: ANN001
    paths, _server = one_picture
    app = picture_app(paths)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        await pilot.press("b")
        await settle(pilot)
        pins = paths.data_dir / "bookmark-images"
        assert any(pins.rglob("*"))
        await pilot.press("b")  # unbookmark
        await settle(pilot)
        assert not any(p.is_file() for p in pins.rglob("*"))
        assert any((paths.cache_dir / "images").iterdir())
