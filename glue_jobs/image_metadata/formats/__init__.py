"""What the bytes are: one reader per container family, each reading headers only."""
