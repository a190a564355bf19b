"""The one apply path: every entrance that changes a stack (``up``, ``local``, ``rotate``, the benchmark) runs
:func:`components.ops.apply.run.apply`, the guardrail policy pack included.
"""
