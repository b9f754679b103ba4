"""Reads shared by the dashboard, the reports and their exports."""
