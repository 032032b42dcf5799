"""What a refresh leaves out to stay close to a bare fetch-and-parse, and that leaving it
out changes nothing a user relies on: proxies from the environment, the sync of feed-server
accounts, changed feeds parsed and unchanged ones not. Real loopback servers throughout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from feedserver import FeedServer, server_fixture  # noqa: F401
from greader_standin import StandIn
from newstui.config import Config
from newstui.sources.fetch import FetchLimits, make_client, proxies_in_environment
from newstui.sources.refresh import refresh
from newstui.store.library import Library

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CFG = Config(connect_timeout=2, read_timeout=2, feed_deadline=3, retention_days=0)
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_proxies_in_environment(clean_proxy_env: pytest.MonkeyPatch) -> None:
    assert proxies_in_environment() is False
    clean_proxy_env.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert proxies_in_environment() is True
    clean_proxy_env.setenv("NO_PROXY", "example.org, *")  # "*" anywhere: no proxy at all
    assert proxies_in_environment() is False
    clean_proxy_env.setenv("NO_PROXY", "example.org")
    assert proxies_in_environment() is True


async def test_clients_read_the_environment_only_when_it_matters(clean_proxy_env: pytest.MonkeyPatch) -> None:
    import ssl

    import httpx

    tls = httpx.create_ssl_context()
    limits = FetchLimits()
    async with make_client(limits, 4, verify=tls, env_proxies=False) as quiet:
        assert quiet.trust_env is False  # a shared context and no proxy: nothing to read
    async with make_client(limits, 4, verify=tls, env_proxies=True) as proxied:
        assert proxied.trust_env is True
    async with make_client(limits, 4) as default:  # builds its own context: CA files from the env
        assert default.trust_env is True
    assert isinstance(tls, ssl.SSLContext)


def test_refresh_goes_through_a_proxy_named_in_the_environment(
    lib: Library, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    """The feed's own address has nothing listening; only the proxy can answer for it."""
    feed_url = "http://127.0.0.93:9/feed.xml"  # port 9 (discard) on an address no one serves
    with FeedServer(["127.0.0.91"]) as proxy:
        # A proxy is sent the absolute URL as the request target: route on exactly that.
        proxy.feed(feed_url, (FEEDS / "rss2.xml").read_bytes())
        clean_proxy_env.setenv("http_proxy", proxy.url(""))
        lib.add_source(feed_url)
        report = refresh(lib, CFG)
        assert report.ok and report.parsed == 1 and report.new > 0, report.failed
        assert [r.path for r in proxy.log] == [feed_url]
        # And without the proxy the same feed cannot be reached at all.
        clean_proxy_env.delenv("http_proxy")
        again = refresh(lib, CFG)
        assert again.errors == 1 and "connect" in (again.failed[0].error or "")
        assert len(proxy.log) == 1


def test_unchanged_body_is_not_parsed_and_a_changed_one_is(lib: Library, server: FeedServer) -> None:
    """No validators from the server: the body's hash decides, before any parsing."""
    body = (FEEDS / "rss2.xml").read_bytes()
    current = {"body": body}

    def serve(h: Any) -> None:
        h.reply(200, current["body"], {"Content-Type": "application/rss+xml"})

    lib.add_source(server.route("/plain.xml", serve))
    first = refresh(lib, CFG)
    assert first.parsed == 1 and first.new > 0
    same = refresh(lib, CFG)
    assert same.parsed == 0 and same.unchanged == 1 and same.new == 0
    marker = b"<title>A brand new entry</title>"
    current["body"] = body.replace(b"<item>", b"<item><guid>lean-new-1</guid>" + marker + b"</item><item>", 1)
    assert current["body"] != body
    changed = refresh(lib, CFG)
    assert changed.parsed == 1 and changed.new == 1 and changed.unchanged == 0
    titles = {lib.article(r.id).title for r in lib.list_articles(None, limit=None)}
    assert "A brand new entry" in titles


def test_refresh_path_does_not_import_the_httpx_command_line_client() -> None:
    """httpx imports its CLI (click, rich, pygments) whenever they are installed; the
    refresh engine keeps that out of a refresh's start-up."""
    code = (
        "import sys, newstui.sources.refresh;"
        "print(sorted(m for m in ('httpx._main', 'click', 'pygments', 'rich') if sys.modules.get(m)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    # httpx itself still works, CLI stub included.
    code = "import newstui.sources, httpx; print(callable(httpx.main), httpx.AsyncClient.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "AsyncClient"], done.stderr


def test_cli_refresh_syncs_accounts_and_skips_the_sync_without_one(
    cli: Any, server: FeedServer, standin: StandIn
) -> None:
    url = server.feed("/rss2.xml", (FEEDS / "rss2.xml").read_bytes())
    assert cli("add", url).returncode == 0
    r = cli("refresh", "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("refreshed 1 feed")
    assert standin.seen == []

    r = cli("account", "add", "home", "--url", standin.base, "--user", "me", input="right\n")
    assert r.returncode == 0, r.stderr
    standin.seen.clear()
    r = cli("refresh", "--quiet")
    # The stand-in has no routes for a sync: the sync was tried, and failed, after the feeds.
    assert r.stdout.startswith("refreshed 1 feed")
    assert any("/api/0/" in path for path, _form in standin.seen)
    assert r.returncode != 0


def test_a_bigger_refresh_is_written_in_bigger_groups() -> None:
    """Small refreshes keep groups of GROUP_MIN (the last one is short); a big one gathers
    more feeds a transaction (fewer, larger segments for the search index), never more
    than GROUP_COMMIT feeds in one."""
    from newstui.sources.refresh import GROUP_COMMIT, GROUP_MIN, GROUPS, group_size

    assert [group_size(n) for n in (0, 1, 100)] == [GROUP_MIN] * 3
    assert group_size(500) == 500 // GROUPS > GROUP_MIN
    assert group_size(1_000_000) == GROUP_COMMIT
    sizes = [group_size(n) for n in range(0, 5000, 7)]
    assert sizes == sorted(sizes)  # never smaller for a bigger refresh


def test_the_last_groups_worth_of_feeds_is_written_as_it_arrives() -> None:
    """The writer waits to fill a group while more than a group's worth of feeds is still
    to come; after that it writes what it has at once."""
    from newstui.sources.refresh import keeps_gathering

    assert keeps_gathering(queued=10, active=500, group=62)  # early: fill the group
    assert not keeps_gathering(queued=62, active=500, group=62)  # full
    assert keeps_gathering(queued=30, active=93, group=62)  # 63 still to come
    assert not keeps_gathering(queued=30, active=92, group=62)  # 62 to come: the end
    assert not keeps_gathering(queued=1, active=1, group=16)  # the last feed
