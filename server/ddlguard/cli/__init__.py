"""The command line: translates arguments into engine calls and results into output."""
