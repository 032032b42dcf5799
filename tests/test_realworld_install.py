"""A newcomer's install (issue 13, part 1): the full-text extractor's dependencies are
declared so that any pip resolves them, and a broken extractor is named, not a bare
ImportError. The broken install is made for real: a `trafilatura` that fails to import the
way it does without lxml's html-clean part, first on the path of a real `newstui` process."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui.bookmarks.fulltext import extractor_problem
from newstui.models import ArticleIn
from newstui.store.library import Library

BROKEN = (
    'raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean.\\n'
    'Install lxml[html-clean] or lxml_html_clean directly.")\n'
)


@pytest.fixture
def broken_env(tmp_path: Path) -> dict[str, str]:
    shadow = tmp_path / "shadow" / "trafilatura"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(BROKEN, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(shadow.parent), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


def test_html_clean_is_a_declared_dependency() -> None:
    # pip < 23.3 does not match jusText's "lxml[html_clean]" to lxml's "html-clean" extra.
    requires = importlib.metadata.requires("newstui") or []
    assert any(r.lower().replace("-", "_").startswith("lxml_html_clean") for r in requires)


def test_this_install_can_extract_full_text() -> None:
    assert extractor_problem() is None


def test_doctor_reports_the_extractor_in_one_line(cli, broken_env: dict[str, str]) -> None:
    good = cli("doctor")
    assert good.returncode == 0 and "full-text extraction: ok" in good.stdout
    bad = cli("doctor", env=broken_env)
    assert bad.returncode == 0, bad.stderr  # an optional part: the library itself is fine
    lines = [line for line in bad.stdout.splitlines() if "full-text extraction" in line]
    assert len(lines) == 1
    assert "not available" in lines[0] and "lxml_html_clean" in lines[0]
    assert "Traceback" not in bad.stdout + bad.stderr


def test_bookmark_error_names_the_missing_part(
    cli, data_dir: Path, server: FeedServer, broken_env: dict[str, str]
) -> None:
    page = b"<html><body><article><p>" + b"Ein langer Artikel. " * 200 + b"</p></article></body></html>"
    url = server.route("/artikel.html", lambda h: h.reply(200, page, {"Content-Type": "text/html"}))
    with Library(data_dir / "library.db") as lib:
        src, _ = lib.add_source("https://feeds.example.org/a.rss", title="A")
        aid = lib.upsert_articles(
            src.id,
            [
                ArticleIn(
                    title="Kurz angerissen",
                    guid=url,
                    link=url,
                    summary="Nur ein Anriss.",
                    published=1.0e9,
                )
            ],
        ).new_ids[0]
    r = cli("bookmark", str(aid), env=broken_env)
    assert r.returncode == 0, r.stderr
    assert "full-text extraction (trafilatura) is not available" in r.stdout
    assert "ImportError" not in r.stdout and "Traceback" not in r.stdout + r.stderr
    with Library(data_dir / "library.db") as lib:
        art = lib.article(aid)
    assert art.fulltext_status == "failed"
    assert (art.fulltext_error or "").startswith("full-text extraction (trafilatura) is not available")
