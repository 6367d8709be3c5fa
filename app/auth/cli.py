"""``flask users …``: create, deactivate and reactivate users, reset passwords, issue and revoke API tokens."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from . import services
from .models import Role

users_cli = AppGroup("users", help="People who use the consoles and the API.")

DEMO_USERS = (("operator", Role.OPERATOR), ("supervisor", Role.SUPERVISOR), ("admin", Role.ADMIN))
DEMO_PASSWORD = "qorgau-demo"


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(name: str, role: str, password: str) -> None:
    """Create user NAME with ROLE."""
    user = _run(lambda: services.create_user(name, role, password))
    click.echo(f"created {user.role.value} {user.username}")


@users_cli.command("token")
@click.argument("name")
def token(name: str) -> None:
    """Issue a new API token for NAME; the token is the last line printed."""
    value = _run(lambda: services.issue_token(name))
    click.echo(f"API token for {name} (shown once; send it as 'Authorization: Bearer TOKEN'):")
    click.echo(value)


@users_cli.command("deactivate")
@click.argument("name")
def deactivate(name: str) -> None:
    """Deactivate user NAME: their sessions and API tokens stop working at once."""
    _run(lambda: services.set_active(services.user_id_of(name), False))
    click.echo(f"deactivated {name}")


@users_cli.command("reactivate")
@click.argument("name")
def reactivate(name: str) -> None:
    """Let user NAME sign in again."""
    _run(lambda: services.set_active(services.user_id_of(name), True))
    click.echo(f"reactivated {name}")


@users_cli.command("reset-password")
@click.argument("name")
@click.option("--generate", is_flag=True, help="Generate a password and print it (once) instead of asking.")
def reset_password(name: str, generate: bool) -> None:
    """Give user NAME a new password."""
    password = None if generate else click.prompt("New password", hide_input=True, confirmation_prompt=True)
    value = _run(lambda: services.reset_password(services.user_id_of(name), password))
    click.echo(f"new password for {name}" + (f" (shown once): {value}" if generate else " set"))


@users_cli.command("revoke-tokens")
@click.argument("name")
def revoke_tokens(name: str) -> None:
    """Revoke every API token of user NAME."""
    count = _run(lambda: services.revoke_tokens(services.user_id_of(name)))
    click.echo(f"revoked {count} API token(s) of {name}")


def _run(change):
    """Run a service call; its problems end the command with their message, not a traceback."""
    try:
        return change()
    except services.AuthError as error:
        raise click.ClickException(str(error)) from None


@users_cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo users (operator, supervisor, admin) if they do not exist. Development only."""
    if current_app.config["QORGAU_ENV"] == "production":
        raise click.ClickException("demo users are for development only")
    for name, role in DEMO_USERS:
        if services.find_user(name) is None:
            services.create_user(name, role.value, DEMO_PASSWORD, by="seed-demo")
            click.echo(f"created demo {role.value} '{name}' with password '{DEMO_PASSWORD}'")
