"""Sync with feed servers: a backend protocol, its Google Reader API implementation, the
account credentials and the engine that moves state both ways."""
