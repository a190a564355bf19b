"""The Pulumi program: its entry (config -> role specs -> components), the components McpMember and TemplateAccess,
the live collection check.
"""
