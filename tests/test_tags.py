"""Tag management: rename, merge, delete keep counts right; user tags outlive refreshes."""

from __future__ import annotations

from pathlib import Path

import pytest

from newstui.config import Config
from newstui.errors import NewstuiError, NotFound
from newstui.models import ArticleIn
from newstui.store.library import Library
from newstui.tags import apply_auto_tags, compiled_rules, suggestions

URL = "https://feeds.example.org/tags.rss"


def items(version: str = "") -> list[ArticleIn]:
    return [
        ArticleIn(
            title=f"Wero A{version}",
            guid="a",
            link="https://n.example/a",
            summary=f"wero{version}",
            published=1.7e9,
            categories=["Payment"],
            tags=["wero", "paypal"],
        ),
        ArticleIn(
            title="Paypal B",
            guid="b",
            link="https://n.example/b",
            summary="paypal",
            published=1.7e9 + 1,
            categories=["Payment"],
            tags=["paypal"],
        ),
        ArticleIn(
            title="Rust C",
            guid="c",
            link="https://n.example/c",
            summary="rust",
            published=1.7e9 + 2,
            categories=["Tech"],
            tags=["rust"],
        ),
    ]


@pytest.fixture
def ids(lib: Library) -> list[int]:
    src, _ = lib.add_source(URL)
    return lib.upsert_articles(src.id, items()).new_ids


def counts(lib: Library) -> dict[str, int]:
    return {name: total for name, total, _ in lib.tag_counts()}


def test_user_and_source_tags_are_kept_apart(lib: Library, ids: list[int]) -> None:
    a, b, c = ids
    art = lib.tag(a, add=["later", "wero"])
    origins = {t.name: t.origin for t in art.tags}
    assert origins == {"later": "user", "paypal": "source", "wero": "user"}
    assert counts(lib) == {"later": 1, "paypal": 2, "rust": 1, "wero": 1}

    # A refresh that changes the article (and drops a source tag) keeps the user's tags.
    src = lib.source(URL)
    changed = items(" v2")
    changed[0].tags = ["payments"]
    lib.upsert_articles(src.id, changed)
    art = lib.article(a)
    assert {t.name: t.origin for t in art.tags} == {"later": "user", "payments": "source", "wero": "user"}
    assert counts(lib) == {"later": 1, "paypal": 1, "payments": 1, "rust": 1, "wero": 1}


def test_rename_keeps_counts_and_origins(lib: Library, ids: list[int]) -> None:
    a, b, c = ids
    lib.tag(c, add=["paypal"])  # a user's tag on an article the source did not tag
    assert lib.rename_tag("PayPal", "PayPal-Zahlung") == 3
    assert counts(lib) == {"PayPal-Zahlung": 3, "rust": 1, "wero": 1}
    assert {t.name: t.origin for t in lib.article(c).tags} == {"PayPal-Zahlung": "user", "rust": "source"}
    assert lib.article_ids('tag:"PayPal-Zahlung"') == sorted(ids)
    # Case-only rename of the same tag.
    assert lib.rename_tag("payPAL-zahlung", "paypal-zahlung") == 3
    assert "paypal-zahlung" in counts(lib)
    with pytest.raises(NotFound):
        lib.rename_tag("nope", "x")
    with pytest.raises(NewstuiError):
        lib.rename_tag("rust", "   ")


def test_rename_onto_an_existing_tag_merges(lib: Library, ids: list[int]) -> None:
    assert lib.rename_tag("wero", "paypal") == 1
    assert counts(lib) == {"paypal": 2, "rust": 1}


def test_merge_keeps_counts_right(lib: Library, ids: list[int]) -> None:
    a, b, c = ids
    lib.tag(c, add=["later"])
    assert lib.merge_tags(["wero", "paypal", "later"], into="payments") == 4
    assert counts(lib) == {"payments": 3, "rust": 1}
    # The user's tag stays the user's after a merge; source tags stay the source's.
    assert {t.name: t.origin for t in lib.article(c).tags} == {"payments": "user", "rust": "source"}
    assert lib.article(b).tags[0].origin == "source"
    with pytest.raises(NotFound):
        lib.merge_tags(["missing"], into="x")
    assert counts(lib) == {"payments": 3, "rust": 1}  # nothing half-done


def test_delete_keeps_counts_right(lib: Library, ids: list[int]) -> None:
    a, b, c = ids
    lib.tag(a, add=["later"])
    assert lib.delete_tag("PAYPAL") == 2
    assert counts(lib) == {"later": 1, "rust": 1, "wero": 1}
    assert lib.tag_names() == ["later", "rust", "wero"]
    with pytest.raises(NotFound):
        lib.delete_tag("paypal")


def test_suggestions_rank_by_prefix_then_use(lib: Library, ids: list[int]) -> None:
    lib.tag(ids[2], add=["wartung"])
    assert suggestions(lib, "") == ["paypal", "rust", "wartung", "wero"]
    assert suggestions(lib, "w") == ["wartung", "wero"]
    assert suggestions(lib, "a") == ["paypal", "wartung"]  # contains, by use
    assert suggestions(lib, "w", exclude=["WERO"]) == ["wartung"]


# --------------------------------------------------------------------- rules
def test_config_tag_rules_parse_and_apply(lib: Library, ids: list[int], tmp_path: Path) -> None:
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(
        '[tag]\npayments = "category:Payment OR wero"\n"rust lang" = "rust"\n',
        encoding="utf-8",
    )
    cfg = Config.load(cfg_file)
    assert cfg.auto_tags == {"payments": "category:Payment OR wero", "rust lang": "rust"}
    a, b, c = ids
    assert apply_auto_tags(lib, cfg, [a, c]) == 2  # only the new ones
    assert "payments" in lib.article(a).tag_names and "payments" not in lib.article(b).tag_names
    assert apply_auto_tags(lib, cfg) == 1  # then all: b gains it; nothing twice
    assert counts(lib)["payments"] == 2 and counts(lib)["rust lang"] == 1
    # Rule tags are the user's: a refresh does not take them away.
    lib.upsert_articles(lib.source(URL).id, items(" v2"))
    assert "payments" in lib.article(a).tag_names


def test_broken_rules_are_reported_and_the_others_still_run(lib: Library, ids: list[int]) -> None:
    cfg = Config(auto_tags={"bad": 'tag:"unclosed', "good": "rust", "empty": " "})
    rules, problems = compiled_rules(cfg)
    assert [t for t, _ in rules] == ["good"]
    assert len(problems) == 2 and problems[0].startswith("tag rule 'bad':")
    seen: list[str] = []
    assert apply_auto_tags(lib, cfg, on_error=seen.append) == 1
    assert seen == problems
    with pytest.raises(NewstuiError, match="tag rule 'bad'"):
        apply_auto_tags(lib, cfg)


def test_import_applies_rules(cli, data_dir: Path, tmp_path: Path) -> None:
    (data_dir / "config.toml").write_text('[tag]\npayments = "category:Payment OR wero"\n')
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Wero kommt\ncategories: [Payment]\n---\n\nText.\n")
    (folder / "b.md").write_text("---\ntitle: Anderes\n---\n\nNichts.\n")
    done = cli("import", str(folder))
    assert done.returncode == 0, done.stderr
    listed = cli("list", "tag:payments")
    assert "Wero kommt" in listed.stdout and "Anderes" not in listed.stdout


# ------------------------------------------------------------------------ CLI
def test_cli_tags_list_rename_merge_delete(lib: Library, ids: list[int], cli) -> None:
    listed = cli("tags")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows == [["2", "2", "paypal"], ["1", "1", "rust"], ["1", "1", "wero"]]

    done = cli("tags", "rename", "wero", "Wero App")
    assert done.returncode == 0 and "on 1 articles" in done.stdout
    done = cli("tags", "merge", "Wero App", "paypal", "--into", "payments")
    assert done.returncode == 0 and "(3 articles)" in done.stdout
    done = cli("tags", "delete", "rust")
    assert done.returncode == 0 and "from 1 articles" in done.stdout
    assert counts(lib) == {"payments": 2}

    missing = cli("tags", "delete", "rust")
    assert missing.returncode == 1 and missing.stderr.startswith("newstui: no tag 'rust'")
    usage = cli("tags", "merge", "a")
    assert usage.returncode == 2
