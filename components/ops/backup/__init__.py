"""``mcp-access backup``: the schema snapshot and the access configuration of a stack's Directus, in one file.

The security guide asks for snapshots before AI operations on the data model: ``up`` takes one before it gives
any member a template with admin access (the developer template: schema tools), and ``backup`` on demand.
``run.py`` gathers and writes, ``rules.py`` decides when ``up`` needs one, ``restore.py`` puts a snapshot's
schema back (``/schema/diff`` + ``/schema/apply``).
"""
