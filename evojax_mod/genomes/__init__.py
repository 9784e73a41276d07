"""What evolves: genome families, each a set of pure functions on one individual."""
