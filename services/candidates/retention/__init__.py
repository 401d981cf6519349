"""Retention of personal data: each programme's rule, and the job erasing what expired."""
