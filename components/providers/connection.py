"""Moved to :mod:`components.directus.provisioning` (the connection is the Directus client's, not a provider's).

Kept as a re-export so that code written against the old path keeps importing; nothing here is pickled into
state (provider classes are, and they stay in their modules). New code imports the new module.
"""

from components.directus.provisioning import RETRY_MAX_WAIT_ENV as RETRY_MAX_WAIT_ENV
from components.directus.provisioning import TIMEOUT_ENV as TIMEOUT_ENV
from components.directus.provisioning import TOKEN_ENV as TOKEN_ENV
from components.directus.provisioning import URL_ENV as URL_ENV
from components.directus.provisioning import Connection as Connection
from components.directus.provisioning import ProvisioningConfigError as ProvisioningConfigError
from components.directus.provisioning import client_for as client_for
from components.directus.provisioning import connection_from as connection_from
from components.directus.provisioning import snapshot_for as snapshot_for
