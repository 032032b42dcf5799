"""config.toml: every mistake is one line naming the file and the key; `newstui config`
shows the effective values and where each came from."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import newstui_command
from newstui.config import SETTINGS, Config
from newstui.errors import NewstuiError

README = Path(__file__).parent.parent / "README.md"
FEEDS_KEYS = (
    "max_in_flight, per_host, feed_deadline, connect_timeout, read_timeout, max_body_bytes, retention_days"
)


def write(data_dir: Path, text: str | bytes) -> Path:
    path = data_dir / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (no traceback, nothing on stdout)."""
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert done.stdout == ""
    assert lines[0].startswith("newstui: ")
    return lines[0]


# ----------------------------------------------------------------- unknown keys
def test_unknown_key_names_the_file_the_key_the_allowed_keys_and_the_near_miss(cli, data_dir: Path) -> None:
    path = write(data_dir, "[feeds]\nper_host = 4\npre_host = 3\n")
    line = one_line_error(cli("config"))
    assert line == (
        f"newstui: {path}: unknown key 'pre_host' in [feeds] (did you mean 'per_host'?); "
        f"allowed there: {FEEDS_KEYS}"
    )


def test_every_command_refuses_a_bad_config_the_same_way(cli, data_dir: Path) -> None:
    write(data_dir, "[ui]\nthemes = 'x'\n")
    lines = {one_line_error(cli(*args)) for args in (["config"], ["refresh"], [])}  # [] is the TUI
    assert len(lines) == 1
    assert "unknown key 'themes' in [ui] (did you mean 'theme'?)" in lines.pop()


def test_unknown_key_without_a_near_miss_lists_what_is_allowed(cli, data_dir: Path) -> None:
    path = write(data_dir, "[images]\nzzz = 1\n")
    line = one_line_error(cli("config"))
    assert line == f"newstui: {path}: unknown key 'zzz' in [images]; allowed there: cache_mb, max_mb"


def test_unknown_table(cli, data_dir: Path) -> None:
    path = write(data_dir, "[imgaes]\ncache_mb = 10\n")
    line = one_line_error(cli("config"))
    assert line == (
        f"newstui: {path}: unknown table [imgaes] (did you mean [images]?); "
        "allowed: [feeds], [ui], [images], [tag], [searches], [keys]"
    )


def test_a_setting_in_the_wrong_table_says_where_it_belongs(cli, data_dir: Path) -> None:
    path = write(data_dir, "[feeds]\ntheme = 'x'\n")
    line = one_line_error(cli("config"))
    assert line.startswith(f"newstui: {path}: unknown key 'theme' in [feeds] ('theme' belongs in [ui]);")
    path = write(data_dir, "per_host = 3\n[ui]\ntheme = 'x'\n")
    assert one_line_error(cli("config")) == f"newstui: {path}: 'per_host' belongs in the [feeds] table"


# ------------------------------------------------------------------ wrong types
@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[feeds]\nper_host = "6"\n', 'feeds.per_host must be an integer, not a string ("6")'),
        ("[feeds]\nper_host = 2.5\n", "feeds.per_host must be an integer, not a number (2.5)"),
        ("[feeds]\nper_host = true\n", "feeds.per_host must be an integer, not a boolean (true)"),
        ('[feeds]\nfeed_deadline = "30s"\n', 'feeds.feed_deadline must be a number, not a string ("30s")'),
        (
            '[ui]\nmark_read_on_open = "yes"\n',
            'ui.mark_read_on_open must be true or false, not a string ("yes")',
        ),
        ("[ui]\ntheme = 3\n", "ui.theme must be a string, not an integer (3)"),
        ("[ui]\ntheme = [1, 2]\n", "ui.theme must be a string, not an array"),
        ("[ui]\ntheme = 1979-05-27\n", "ui.theme must be a string, not a date or time (1979-05-27)"),
        ('[ui]\nimages = "sixel"\n', 'ui.images must be one of "auto", "blocks", "off", not "sixel"'),
        ("[images]\ncache_mb = -1\n", "images.cache_mb must be at least 0, not -1"),
        ("[feeds]\nper_host = 0\n", "feeds.per_host must be at least 1, not 0"),
        ("[feeds]\nread_timeout = 0\n", "feeds.read_timeout must be more than 0, not 0.0"),
        ("[feeds]\nfeed_deadline = nan\n", "feeds.feed_deadline must be a finite number, not nan"),
        ("[feeds]\nfeed_deadline = inf\n", "feeds.feed_deadline must be a finite number, not inf"),
        ("[tag]\npayments = 1\n", "tag.payments must be a string (a query), not an integer (1)"),
        (
            '[searches]\n"Unread news" = true\n',
            'searches."Unread news" must be a string (a query), not a boolean (true)',
        ),
        (
            "[keys]\nbookmark = 66\n",
            "keys.bookmark must be a string (a key or comma-separated keys), not an integer (66)",
        ),
        (
            '[keys]\nbookmark = ["B"]\n',
            "keys.bookmark must be a string (a key or comma-separated keys), not an array",
        ),
        ('[keys]\nbookmark = " "\n', "keys.bookmark must name at least one key"),
        ("ui = 1\n", "ui must be a table ([ui]), not an integer (1)"),
    ],
)
def test_a_wrong_type_names_the_key_and_the_expected_type(
    cli, data_dir: Path, toml: str, message: str
) -> None:
    path = write(data_dir, toml)
    assert one_line_error(cli("config")) == f"newstui: {path}: {message}"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_refuses_a_value_of_another_type(tmp_path: Path, setting) -> None:
    """In-process, for every setting (the CLI cases above show the line gets out as is)."""
    wrong = "[1]" if setting.kind is str else '"x"'
    path = tmp_path / "config.toml"
    path.write_text(f"[{setting.table}]\n{setting.key} = {wrong}\n", encoding="utf-8")
    with pytest.raises(NewstuiError, match=rf"^{re.escape(str(path))}: {setting.name} must be "):
        Config.load(path)


# ---------------------------------------------------------------- syntax, bytes
def test_a_toml_syntax_error_is_one_line_with_file_and_line(cli, data_dir: Path) -> None:
    path = write(data_dir, '[feeds]\nper_host = 4\nmax_in_flight = \n[ui]\ntheme = "x"\n')
    line = one_line_error(cli("config"))
    assert line == f"newstui: {path}, line 3: invalid TOML: invalid value (column 17)"


def test_a_duplicate_key_is_a_syntax_error_with_its_line(cli, data_dir: Path) -> None:
    path = write(data_dir, "[ui]\ntheme = 'a'\n\ntheme = 'b'\n")
    line = one_line_error(cli("refresh"))
    assert line.startswith(f"newstui: {path}, line 4: invalid TOML: ")


def test_a_config_that_is_not_text(cli, data_dir: Path) -> None:
    path = write(data_dir, b"[ui]\ntheme = '\xff\xfe'\n")
    assert one_line_error(cli("config")) == f"newstui: {path}: not a UTF-8 text file"


def test_a_config_that_is_a_folder(cli, data_dir: Path) -> None:
    (data_dir / "config.toml").mkdir()
    line = one_line_error(cli("config"))
    assert line.startswith(f"newstui: cannot read config {data_dir / 'config.toml'}: ")


# ------------------------------------------------------------------- good files
def test_a_good_file_sets_what_it_names_and_leaves_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[feeds]\nfeed_deadline = 8\nper_host = 2\n"
        '[ui]\nimages = "off"\ncollapse_duplicates = false\n'
        "[images]\ncache_mb = 0\nmax_mb = 1\n"
        '[keys]\nbookmark = "B"\nnext = "j,down"\n'
        '[tag]\n"rust lang" = "rust"\n',
        encoding="utf-8",
    )
    cfg, set_here = Config.load_explained(path)
    assert cfg.feed_deadline == 8.0 and isinstance(cfg.feed_deadline, float)
    assert cfg.per_host == 2 and cfg.max_in_flight == Config().max_in_flight
    assert (cfg.images, cfg.collapse_duplicates, cfg.image_cache_mb, cfg.image_max_mb) == ("off", False, 0, 1)
    assert cfg.keys == {"bookmark": "B", "next": "j,down"}
    assert cfg.auto_tags == {"rust lang": "rust"} and cfg.saved_searches == {}
    assert set_here == {
        "feeds.feed_deadline",
        "feeds.per_host",
        "ui.images",
        "ui.collapse_duplicates",
        "images.cache_mb",
        "images.max_mb",
        "keys.bookmark",
        "keys.next",
        "tag.rust lang",
    }


def test_defaults_of_the_reserved_settings() -> None:
    cfg = Config()
    assert (cfg.images, cfg.collapse_duplicates, cfg.image_cache_mb, cfg.image_max_mb, cfg.keys) == (
        "blocks",
        True,
        200,
        5,
        {},
    )


def test_the_readme_config_example_is_valid(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"Config \(`config\.toml`.*?```toml\n(.*?)```", text, re.S)
    assert block is not None, "the README's config example moved"
    path = tmp_path / "config.toml"
    path.write_text(block.group(1), encoding="utf-8")
    cfg, set_here = Config.load_explained(path)
    assert "feeds.per_host" in set_here and cfg.auto_tags and cfg.saved_searches


# -------------------------------------------------------------- newstui config
def test_config_command_prints_effective_values_and_origins(cli, data_dir: Path) -> None:
    path = write(data_dir, '[feeds]\nper_host = 2\n[tag]\n"rust lang" = "rust"\n[keys]\nbookmark = "B"\n')
    done = cli("config")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"# config:  {path}  (from --data-dir)" in lines
    assert f"# library: {data_dir / 'library.db'}  (from --data-dir, not present)" in lines
    assert re.search(rf"^per_host = 2 +# {re.escape(str(path))}$", done.stdout, re.M)
    assert re.search(r"^max_in_flight = 256 +# default$", done.stdout, re.M)
    assert re.search(r'^images = "blocks" +# default$', done.stdout, re.M)
    assert re.search(rf'^"rust lang" = "rust" +# {re.escape(str(path))}$', done.stdout, re.M)
    # The output is itself a config file with every effective value.
    again = tomllib.loads(done.stdout)
    assert again["feeds"]["per_host"] == 2 and again["ui"]["images"] == "blocks"
    assert again["keys"] == {"bookmark": "B"} and again["searches"] == {}
    copy = data_dir.parent / "copy.toml"
    copy.write_text(done.stdout, encoding="utf-8")
    assert Config.load(copy) == Config.load(path)


def test_config_command_json(cli, data_dir: Path) -> None:
    path = write(data_dir, '[ui]\nmark_read_on_open = false\n[searches]\nLater = "tag:later"\n')
    done = cli("config", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["files"]["config"] == {"path": str(path), "from": "--data-dir", "exists": True}
    assert doc["files"]["log"]["from"] == "--data-dir"
    settings = doc["settings"]
    assert settings["ui"]["mark_read_on_open"] == {"value": False, "from": str(path)}
    assert settings["feeds"]["feed_deadline"] == {"value": 30.0, "from": "default"}
    assert settings["searches"] == {"Later": {"value": "tag:later", "from": str(path)}}
    assert settings["tag"] == {} and settings["keys"] == {}
    # Every setting is there exactly once.
    assert {f"{t}.{k}" for t, rows in settings.items() for k in rows if t in ("feeds", "ui", "images")} == {
        s.name for s in SETTINGS
    }


def test_config_command_names_the_environment_and_the_defaults(tmp_path: Path) -> None:
    """Without --data-dir the places come from XDG_* when set, else the platform default."""
    home = tmp_path / "home"
    xdg_config = tmp_path / "xdg-config"
    (xdg_config / "newstui").mkdir(parents=True)
    cfg_file = xdg_config / "newstui" / "config.toml"
    cfg_file.write_text("[feeds]\nretention_days = 0\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(xdg_config), NO_COLOR="1")
    done = subprocess.run(
        [*newstui_command(), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["files"]["config"] == {
        "path": str(cfg_file),
        "from": "environment (XDG_CONFIG_HOME)",
        "exists": True,
    }
    assert doc["files"]["library"]["from"] == "default"
    assert doc["files"]["library"]["path"].startswith(str(home))
    assert doc["settings"]["feeds"]["retention_days"] == {"value": 0, "from": str(cfg_file)}
