"""Feed-server commands: account add/remove, accounts, sync, and add URL --account."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from newstui.cli.context import config, library, out, paths, warn
from newstui.errors import NewstuiError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("account", help="add or remove a feed-server account (Google Reader API)")
    acts = p.add_subparsers(dest="account_action", metavar="ACTION", required=True, parser_class=type(p))
    a = acts.add_parser("add", help="add an account; the password comes from a command or stdin")
    a.add_argument("name", help="a short name for the account")
    a.add_argument("--type", default="greader", choices=["greader"], help="the server's API")
    a.add_argument(
        "--url",
        required=True,
        metavar="BASE",
        help="the API base, e.g. https://rss.example.org/api/greader.php",
    )
    a.add_argument("--user", required=True, help="the user name (or e-mail) to log in with")
    a.add_argument(
        "--password-command",
        metavar="CMD",
        help="a command printing the password (run without a shell at each login)",
    )
    a.add_argument(
        "--app-id",
        metavar="ID",
        help="an application id the server wants with every request (Inoreader: AppId)",
    )
    a.add_argument(
        "--app-key",
        metavar="KEY",
        help="the application key that goes with --app-id (Inoreader: AppKey); kept like the password",
    )
    a.add_argument(
        "--initial-days",
        type=int,
        default=30,
        metavar="N",
        help="the first sync takes N days of items (plus every unread and starred one)",
    )
    a.set_defaults(func=cmd_account_add)
    r = acts.add_parser("remove", help="remove an account and its feeds (bookmarks stay)")
    r.add_argument("name")
    r.add_argument(
        "--keep-articles", action="store_true", help="keep its feeds and articles as plain local feeds"
    )
    r.set_defaults(func=cmd_account_remove)

    p = sub.add_parser("accounts", help="list accounts with their last sync, last error and counts")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_accounts)

    p = sub.add_parser("sync", help="sync with feed servers (all accounts, or those named)")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--quiet", "-q", action="store_true", help="print only one line per account")
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="json: one object per account (counts, requests made, error)",
    )
    p.set_defaults(func=cmd_sync)


def _password(args: argparse.Namespace) -> str:
    from newstui.sync.credentials import run_password_command

    if args.password_command:
        return run_password_command(args.password_command)
    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.user}: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise NewstuiError("no password given (type it, pipe it on stdin, or use --password-command)")
    return password


def cmd_account_add(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: the other commands start without it

    from newstui.sources.fetch import is_http
    from newstui.sync.credentials import check_app, check_name
    from newstui.sync.engine import credentials
    from newstui.sync.greader import GReader

    name = check_name(args.name)
    url = args.url.strip()
    if not is_http(url):
        raise NewstuiError(f"the account URL must be http:// or https://, not {url[:200]!r}")
    if args.initial_days < 0:
        raise NewstuiError("--initial-days must be 0 or more")
    if bool(args.app_id) != bool(args.app_key):
        raise NewstuiError("--app-id and --app-key go together")
    app = check_app(args.app_id, args.app_key) if args.app_id else None
    creds = credentials(paths(args).state_dir, name)
    with library(args) as lib:
        if any(a.name == name for a in lib.accounts()):
            raise NewstuiError(f"an account named {name!r} exists already")
        password = _password(args)
        tokens: list[str | None] = []
        client = GReader(url, args.user, lambda: password, on_auth=tokens.append, app=app)

        async def check() -> None:
            try:
                await client.login()
            finally:
                await client.close()

        asyncio.run(check())  # a wrong password or URL stops here, with nothing saved
        if not args.password_command:
            creds.save_password(password)
        if app:
            creds.save_app(*app)
        if tokens and tokens[-1]:
            creds.save_token(tokens[-1])
        acc = lib.add_account(
            name,
            type=args.type,
            url=url,
            username=args.user,
            password_command=args.password_command,
            initial_days=args.initial_days,
        )
        from newstui.sync.engine import consumer

        lib.journal_register(consumer(acc))
    out(f"added account {name}: logged in to {url} as {args.user}; run `newstui sync {name}`")
    return 0


def cmd_account_remove(args: argparse.Namespace) -> int:
    from newstui.sync.engine import consumer, credentials

    with library(args) as lib:
        acc = lib.account(args.name)
        removed = lib.remove_account(acc.id, keep_articles=args.keep_articles)
        lib.journal_unregister(consumer(acc))
    credentials(paths(args).state_dir, acc.name).forget()
    kept = (
        "its feeds stay as local feeds"
        if args.keep_articles
        else f"{removed} articles removed; bookmarks kept"
    )
    out(f"removed account {acc.name} ({kept})")
    return 0


def cmd_accounts(args: argparse.Namespace) -> int:
    from newstui.render import iso

    with library(args) as lib:
        accounts = lib.accounts()
    if args.format == "json":
        for a in accounts:
            sys.stdout.write(
                json.dumps(
                    {
                        "name": a.name,
                        "type": a.type,
                        "url": a.url,
                        "user": a.username,
                        "last_sync": iso(a.last_sync) if a.last_sync else None,
                        "last_error": a.last_error,
                        "feeds": a.sources,
                        "articles": a.articles,
                        "unread": a.unread,
                        "refused": a.rejected,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        return 0
    if not accounts:
        out("no accounts (add one with `newstui account add`)")
    for a in accounts:
        when = iso(a.last_sync) if a.last_sync else "never"
        out(
            f"{a.name}  {a.type}  {a.url}  user {a.username}  last sync {when}  "
            f"{a.sources} feeds, {a.articles} articles, {a.unread} unread"
            + (f", {a.rejected} changes refused" if a.rejected else "")
        )
        if a.last_error:
            out(f"  last error: {a.last_error}")
    return 0


def run_sync(args: argparse.Namespace, names: list[str], *, quiet: bool, as_json: bool = False) -> bool:
    """Sync accounts (all when ``names`` is empty) and print a line each (a JSON object each
    with ``as_json``); True when all succeeded. Bookmarks made from stars elsewhere get their
    full text afterwards."""
    import asyncio  # see cmd_account_add

    from newstui.bookmarks.fulltext import complete_pending_async
    from newstui.sync.engine import SyncReport, sync_accounts_async

    cfg = config(args)
    interactive = not quiet and not as_json and sys.stdout.isatty()
    with library(args) as lib:
        if not names and not lib.accounts():
            return True

        async def go() -> list[SyncReport]:
            if not interactive:
                reports = await sync_accounts_async(lib, paths(args).state_dir, names)
            else:
                from rich.console import Console
                from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

                bar = Progress(
                    SpinnerColumn(),
                    TextColumn("Syncing {task.fields[account]}: {task.description}"),
                    TimeElapsedColumn(),
                    console=Console(stderr=True),
                    transient=True,
                )
                task = bar.add_task("", account="")

                def progress(r: SyncReport) -> None:
                    bar.update(task, description=f"{r.stage} ({r.new} new)", account=r.account)

                with bar:
                    reports = await sync_accounts_async(lib, paths(args).state_dir, names, progress=progress)
            if any(r.new or r.changed for r in reports):
                await complete_pending_async(lib, cfg)
            return reports

        reports = asyncio.run(go())
    for r in reports:
        if as_json:
            out(json.dumps(r.as_dict()))
        else:
            (warn if r.error else out)(r.summary())
    return all(r.ok for r in reports)


def cmd_sync(args: argparse.Namespace) -> int:
    from newstui.cli import EXIT_PARTIAL

    ok = run_sync(args, args.names, quiet=args.quiet, as_json=args.format == "json")
    return 0 if ok else EXIT_PARTIAL


def add_to_account(args: argparse.Namespace) -> int:
    """`newstui add URL --account NAME`: subscribe on the server (now if it answers, else at
    the next sync; the subscription is kept here until then)."""
    from newstui.cli import EXIT_PARTIAL
    from newstui.sources.fetch import is_http

    url = args.url.strip()
    if not is_http(url):
        raise NewstuiError(f"a server can only subscribe to http(s) feeds, not {url[:200]!r}")
    with library(args) as lib:
        acc = lib.account(args.account)
        sid, created = lib.add_account_source(acc.id, url, category=args.category)
    if not created:
        out(f"already subscribed in {acc.name}: {sid} {url}")
        return 0
    ok = run_sync(args, [acc.name], quiet=True)
    out(f"added to {acc.name}: {url}" + ("" if ok else " (pushed at the next sync)"))
    return 0 if ok else EXIT_PARTIAL
