"""The config model: stack config and audit settings (pydantic), validation, role-template rendering and role
specs. Pure: no Pulumi, no HTTP.
"""
