"""Allow ``python -m credcert``."""

from credcert.cli import app

app(prog_name="credcert")
