"""Writes: every change to the domain's money goes through a function here."""
