"""Use cases: what the CLI and the app do, on top of domain/ and store/."""
