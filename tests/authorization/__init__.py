"""The authorization matrix: who may call every route, in one ordered table."""
