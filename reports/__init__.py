"""Human-facing documents rendered from what the layers below produce."""

from reports.rulebook import render_rule_diff, render_rulebook

__all__ = ["render_rule_diff", "render_rulebook"]
