"""Notices and reminders: what the person is told, when, on which channel, in which language."""
