"""Alerter: reads ``articles.indexed``, matches saved searches, records and delivers signed webhooks."""
