"""A loopback stand-in for DashScope, strict about routes, headers and bodies (tests and demo)."""

from .server import Sim

__all__ = ["Sim"]
