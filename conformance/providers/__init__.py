"""Where the PostgreSQL server under test comes from."""
