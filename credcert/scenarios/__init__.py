"""Scenario policy files (data): which certificate fields each partner sees."""
