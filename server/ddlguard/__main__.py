"""`python -m ddlguard` is the same program as `ddlguard`."""

import os
import sys

# `python -m` puts the current folder first on sys.path; the current folder is the user's
# project (the editor starts the server there), and its json.py or pglast.py must never run.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ddlguard.cli.main import run

run()
