"""The interventions service."""
