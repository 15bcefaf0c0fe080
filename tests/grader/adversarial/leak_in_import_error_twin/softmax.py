"""Honest twin: a module that fails to import."""

raise ImportError("this submission is broken")
