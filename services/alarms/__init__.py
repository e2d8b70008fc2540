"""The alarms service."""
