"""Moved to :mod:`components.directus.provisioning` (the connection is the Directus client's, not a provider's).

Kept as a re-export of every public name so that code written against the old path keeps importing; nothing here
is pickled into state (provider classes are, and they stay in their modules). New code imports the new module.
"""

from components.directus.provisioning import *  # noqa: F403
