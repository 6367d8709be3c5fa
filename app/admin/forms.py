"""The admin pages' forms (CSRF-protected by Flask-WTF); the rules themselves live in ``app.auth.services``."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired


class CreateUserForm(FlaskForm):
    username = StringField(validators=[DataRequired()])
    role = StringField(validators=[DataRequired()])  # one of Role's values: the service says if it is not
    password = PasswordField()  # empty: a password is generated and shown once
