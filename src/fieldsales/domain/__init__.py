"""The sales method as pure code: no database, no UI, no network."""
