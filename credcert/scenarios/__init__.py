"""Scenario policy files (data, in ``policies/``): one per scenario version.

Read by :mod:`credcert.policies` (answers) and :mod:`credcert.views`
(partner views); see ``docs/scenarios.md``.
"""
