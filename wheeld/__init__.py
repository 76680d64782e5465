"""wheeld: a local daemon that runs the options wheel strategy across portfolios."""

__version__ = "0.1.0"
