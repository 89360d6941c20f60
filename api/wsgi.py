"""The WSGI entry point for gunicorn (`kb serve` runs `gunicorn api.wsgi:app`).

A setting that cannot be used, or a database not migrated, ends the server with one line and
the error's exit status, as the `kb` command does, not with a traceback per worker."""

import sys

from api.app import create_app
from api.terminal import printable
from kb.errors import KBError

try:
    app = create_app()
except KBError as error:
    print(f"error: {printable(str(error))}", file=sys.stderr)
    sys.exit(error.exit_code)
