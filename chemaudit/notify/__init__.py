"""Notifications on a job's end: who to tell (targets), what to send (payloads, email) and where
a webhook may go (address policy). Pure functions; the sending lives in `tasks/notify*.py`."""
