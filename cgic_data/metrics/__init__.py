"""Metric definitions (series, backlog, turnaround, timeliness): each docstring states the rule."""
