"""What the admin pages share: named inputs, the audit trail, refusals as messages, locks, decisions, links and
the pages that write through the services."""
