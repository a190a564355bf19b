"""The guardrail policy pack: each rule of :mod:`components.guardrails.rules` as a mandatory stack policy."""

from components.guardrails.pack import serve

serve()
