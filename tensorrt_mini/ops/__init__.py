"""Front-end ops: checks, broadcasting, promotion and allocation, then a backend call."""
