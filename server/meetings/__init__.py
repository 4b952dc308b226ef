"""Meetings: creating them, joining them, their live views and their outcomes."""
