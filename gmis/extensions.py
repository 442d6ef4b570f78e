"""Flask extensions, created unbound here and bound in ``create_app``."""

from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "ログインしてください。"
login_manager.login_message_category = "info"
# Sessions are checked against the database on every request; Flask-Login's own
# "strong" protection would sign people out when a phone changes networks.
login_manager.session_protection = None

csrf = CSRFProtect()
htmx = Htmx()

#: Compresses text responses (pages, stylesheets, scripts, JSON, SVG) for clients that accept
#: it. CSV downloads (``text/csv``) are left as they are: they stream row by row.
compress = Compress()
