"""Accounts: passwords, server-side sessions, account e-mails and their tokens."""
