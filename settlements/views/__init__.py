"""Pages: each parses the request, calls a report or a service, and renders."""
