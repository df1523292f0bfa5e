"""fieldsales: win back dormant B2B accounts from the terminal."""

__version__ = "0.1.0"
