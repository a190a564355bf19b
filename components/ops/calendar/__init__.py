"""mcp-access calendar: rotation reminders (one event per member's token rotation date) and the monthly review,
as an iCalendar file (the guide: "set up token rotation reminders in your calendar"). Run (read the deployed
stack's outputs) -> render (RFC 5545, with the ``icalendar`` library).
"""
