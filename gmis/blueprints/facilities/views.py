from flask import Blueprint

bp = Blueprint("facilities", __name__)
