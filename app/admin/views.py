"""The admins' pages: the people who use Qorgau, and the effective settings. Admins only.

Each change goes through ``app.auth.services`` (shared with ``flask users …``), which audits it.
A generated password is shown once, on the answer to the request that made it, and never stored.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import services as people
from app.auth.access import roles_required
from app.auth.models import Role
from app.i18n import translate

from . import settings as effective_settings
from .forms import CreateUserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

NO_STORE = {"Cache-Control": "no-store"}  # pages that show a password stay out of every cache


@bp.context_processor
def rules():
    return {"min_password": people.MIN_PASSWORD_LENGTH, "roles": [role.value for role in Role]}


def _error_text(error: people.AuthError) -> str:
    return translate(f"admin_error_{error.key}", **error.values)


def _users_page(form: CreateUserForm | None = None, error: str | None = None, status: int = 200):
    return render_template("admin/users.html", rows=people.list_users(), form=form or CreateUserForm(),
                           error=error), status


def _user_page(user_id: int, *, error: str | None = None, new_password: str | None = None, status: int = 200):
    try:
        person = people.get_user(user_id)
    except people.AuthError:
        abort(404)
    return render_template("admin/user.html", person=person, tokens=people.token_count(person.id), error=error,
                           new_password=new_password), status, NO_STORE


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """Everyone who signs in: role, whether active, since when, and when they last signed in."""
    return _users_page()


@bp.post("/users")
@roles_required(Role.ADMIN)
def create_user():
    """A new user with the admin's initial password, or a generated one shown once."""
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _users_page(form, translate("admin_error_form"), 400)
    generated = not form.password.data
    password = people.generate_password() if generated else form.password.data
    try:
        person = people.create_user(form.username.data, form.role.data, password, actor_id=current_user.id)
    except people.AuthError as error:
        return _users_page(form, _error_text(error), 400)
    if generated:
        return _user_page(person.id, new_password=password)
    flash(translate("admin_user_created", name=person.username), "info")
    return redirect(url_for(".user", user_id=person.id))


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int):
    return _user_page(user_id)


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    """Deactivate (their sessions and tokens stop working at once) or reactivate a user."""
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    try:
        people.set_active(user_id, wanted == "1", actor_id=current_user.id)
    except people.AuthError as error:
        return _refused(user_id, error)
    flash(translate("admin_user_activated" if wanted == "1" else "admin_user_deactivated"), "info")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    """Set the password the admin typed, or generate one and show it once."""
    generate, typed = "generate" in request.form, request.form.get("password", "")
    if not generate and not typed:
        return _user_page(user_id, error=translate("admin_error_password_missing"), status=400)
    try:
        new = people.reset_password(user_id, None if generate else typed, actor_id=current_user.id)
    except people.AuthError as error:
        return _refused(user_id, error)
    if generate:
        return _user_page(user_id, new_password=new)
    flash(translate("admin_password_set"), "info")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/tokens/revoke")
@roles_required(Role.ADMIN)
def revoke_tokens(user_id: int):
    try:
        count = people.revoke_tokens(user_id, actor_id=current_user.id)
    except people.AuthError as error:
        return _refused(user_id, error)
    flash(translate("admin_tokens_revoked", count=count), "info")
    return redirect(url_for(".user", user_id=user_id))


def _refused(user_id: int, error: people.AuthError):
    """A change the rules refuse: the user's page says why (400); an unknown user is not found (404)."""
    return _user_page(user_id, error=_error_text(error), status=400)


@bp.get("/settings")
@roles_required(Role.ADMIN)
def settings():
    """The settings in effect (read-only): secrets shown only as set or not, development stand-ins marked."""
    return render_template("admin/settings.html", rows=effective_settings.effective(current_app.config))
