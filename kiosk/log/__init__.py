"""The session log: SQLite store (writes, recovery), schema and migrations, queries, export."""
