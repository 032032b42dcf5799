"""Feed-server accounts as the reader lays them out: each account with its folders (the
categories of its sources) and its feeds, beside the local sources that belong to none."""

from __future__ import annotations

from dataclasses import dataclass, field

from newstui.models import Account, Source
from newstui.store.library import Library


@dataclass
class Folder:
    """One folder of an account and its feeds; ``name`` "" holds the feeds in no folder."""

    name: str
    sources: list[Source] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sources)

    @property
    def unread(self) -> int:
        return sum(s.unread for s in self.sources)


@dataclass
class AccountFolders:
    """An account, its named folders (sorted by name) and its feeds in no folder."""

    account: Account
    folders: list[Folder] = field(default_factory=list)
    unfiled: list[Source] = field(default_factory=list)


@dataclass
class SourceLayout:
    """Every source, split into the accounts' and the local ones."""

    accounts: list[AccountFolders] = field(default_factory=list)
    local: list[Source] = field(default_factory=list)


def lay_out(accounts: list[Account], sources: list[Source], source_accounts: dict[int, int]) -> SourceLayout:
    """Group ``sources`` under ``accounts`` by ``source_accounts`` (source id -> account id);
    sources of no account (or of an account not listed) stay local. Order within a group
    follows ``sources``."""
    by_id = {acc.id: AccountFolders(acc) for acc in accounts}
    folders: dict[tuple[int, str], Folder] = {}
    out = SourceLayout(accounts=list(by_id.values()))
    for src in sources:
        owner = by_id.get(source_accounts.get(src.id, -1))
        if owner is None:
            out.local.append(src)
        elif not src.category:
            owner.unfiled.append(src)
        else:
            key = (owner.account.id, src.category.casefold())
            if key not in folders:
                folders[key] = Folder(src.category)
                owner.folders.append(folders[key])
            folders[key].sources.append(src)
    for owner in out.accounts:
        owner.folders.sort(key=lambda f: f.name.casefold())
    return out


def source_layout(lib: Library) -> SourceLayout:
    """The library's sources laid out by account (see ``lay_out``), with their counts."""
    return lay_out(lib.accounts(), lib.sources(), lib.source_accounts())
