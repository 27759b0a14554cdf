"""Static analysis of migration files on Python's `ast` (never libcst: this is the keystroke path)."""
