"""`nep-tui notifications ...`"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from nep_tui.cli.output import Column, print_json, print_listing
from nep_tui.cli.state import CliState, pass_state
from nep_tui.formatting import format_datetime

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

NOTIFICATION_COLUMNS = [
    Column("ID", lambda n: n.id, align_right=True),
    Column("READ", lambda n: n.read),
    Column("REASON", lambda n: n.reason),
    Column("WP", lambda n: n.resource_id and f"#{n.resource_id}", align_right=True),
    Column("TITLE", lambda n: n.resource_title, flexible=True),
    Column("BY", lambda n: n.actor_name),
    Column("PROJECT", lambda n: n.project_name),
    Column("WHEN", lambda n: format_datetime(n.created_at)),
]


@click.group()
def notifications() -> None:
    """Your notifications: list, mark as read."""


@notifications.command("list")
@click.option("--unread", is_flag=True, help="Only unread notifications.")
@pass_state
def list_notifications(state: CliState, unread: bool) -> None:
    """List your notifications, newest first."""
    found = state.call(lambda client: client.notifications(unread_only=unread))
    print_listing(
        found,
        NOTIFICATION_COLUMNS,
        as_json=state.json,
        empty="No unread notifications." if unread else "No notifications.",
        nouns=("notification", "notifications"),
    )


@notifications.command("read")
@click.argument("notification_ids", metavar="ID...", nargs=-1, type=int)
@click.option("--all", "all_of_them", is_flag=True, help="Mark every notification as read.")
@pass_state
def mark_read(state: CliState, notification_ids: tuple[int, ...], all_of_them: bool) -> None:
    """Mark notifications as read: the given IDs, or all of them with --all."""
    if bool(notification_ids) == all_of_them:
        raise click.UsageError("give notification IDs or --all (not both)")

    async def mark(client: NepenthesClient) -> None:
        if all_of_them:
            await client.mark_all_notifications_read()
        for notification_id in notification_ids:
            await client.mark_notification_read(notification_id)

    state.call(mark)
    if state.json:
        print_json({"read": "all" if all_of_them else list(notification_ids)})
    elif all_of_them:
        click.echo("Marked all notifications as read.")
    else:
        click.echo(f"Marked {len(notification_ids)} notification(s) as read.")


COMMANDS = [notifications]
