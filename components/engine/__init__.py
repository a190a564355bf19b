"""Running Pulumi: the Automation API workspace and toolchain, guarded up/preview with the policy pack, a deployed
stack's settings and outputs.
"""
