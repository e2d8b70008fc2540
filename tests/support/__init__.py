"""Test harness shared by every test package: real databases, broker, servers and clients."""
