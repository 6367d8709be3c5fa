"""``flask users …``: create users, issue API tokens, seed demo users."""

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
    try:
        user = services.create_user(name, role, password)
    except services.AuthError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.role.value} {user.username}")


@users_cli.command("token")
@click.argument("name")
def token(name: str) -> None:
    """Issue a new API token for NAME; the token is the last line printed."""
    try:
        value = services.issue_token(name)
    except services.AuthError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"API token for {name} (shown once; send it as 'Authorization: Bearer TOKEN'):")
    click.echo(value)


@users_cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo users (operator, supervisor, admin) if they do not exist. Development only."""
    if current_app.config["QORGAU_ENV"] == "production":
        raise click.ClickException("demo users are for development only")
    for name, role in DEMO_USERS:
        if services.find_user(name) is None:
            services.create_user(name, role.value, DEMO_PASSWORD, by="seed-demo")
            click.echo(f"created demo {role.value} '{name}' with password '{DEMO_PASSWORD}'")
