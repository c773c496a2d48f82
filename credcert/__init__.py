"""credcert: issue, sign, store and serve mobile credit certificates.

This package is the product's edge: the command line (``credcert``), and, as
they land, the certificate domain, storage and HTTP service. The layers it
drives live in their own packages: ``subscribers`` (data contract), ``rules``,
``scorecard``, ``explain`` and ``reports``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
