"""The walker's session: the flow of screens, what it asks for, the session record, progression."""
