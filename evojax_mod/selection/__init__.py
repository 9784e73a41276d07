"""How the next generation is chosen."""
