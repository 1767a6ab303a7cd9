"""The error of a config that cannot be run as it is: every room may raise it.

It lives on the ground floor so that an acquisition or a recommender can refuse a
config where the bad value enters, and ``tools/`` print it as one ``error:`` line.
"""


class ConfigError(ValueError):
    """The ``active_learning`` block of a config cannot be run as it is."""
