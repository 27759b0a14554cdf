"""`python -m ddlguard` is the same program as `ddlguard`."""

from ddlguard.cli.main import main

raise SystemExit(main())
