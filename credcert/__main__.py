"""Allow ``python -m credcert``."""

from credcert.cli import app

# The guard matters: worker processes of a batch re-import the main module.
if __name__ == "__main__":
    app(prog_name="credcert")
