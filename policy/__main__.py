"""The guardrail policy pack: each rule of :mod:`components.guardrail_rules` as a mandatory stack policy."""

from components.guardrail_pack import serve

serve()
