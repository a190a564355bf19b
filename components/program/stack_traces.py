"""Keep the stack traces Pulumi records in the state to the frames that declare each resource.

Installed by the program's entry (:func:`components.program.entry.main`) and by the Automation API runner
(:func:`components.engine.workspace.open_stack`) before any resource is registered; importing this module
changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi.runtime.resource as sdk_resource

#: Frames of this package are the only ones kept in the stack traces recorded in the state (see below), except
#: those of the resource classes themselves (``providers/``), which say nothing about where a resource is declared.
PACKAGE_URI = Path(__file__).resolve().parent.parent.as_uri() + "/"
PROVIDERS_URI = (Path(__file__).resolve().parent.parent / "providers").as_uri() + "/"


def declaration_frames_only() -> None:
    """Record, for each resource, only the frames that declare it: this package's, outside ``providers/``.

    The Python SDK sends the whole Python stack of every resource registration to the engine, which stores it
    in the state as ``stackTrace``: with the inline program that is ~20 frames of asyncio, grpc, threading and
    SDK files, more than half of the state's bytes, and the file backend rewrites (and hashes, and backs up)
    the whole state after every step, so an ``up`` of 300 members spent most of its time on them. The trace is
    only diagnostic. What is kept (``program/member.py`` or ``program/template_access.py``, then
    ``program/entry.py``) says where each resource is declared, and ``sourcePosition`` (the first frame kept)
    points there rather than into ``providers/base.py``.

    The SDK has no setting for this (3.259), so its ``_get_stack_trace`` is wrapped; if a later SDK renames
    it, nothing is wrapped and the full traces come back (slower, never wrong). Idempotent.
    """
    original = getattr(sdk_resource, "_get_stack_trace", None)
    if original is None or getattr(original, "declaration_frames_only", False):
        return

    def declaration_frames() -> Any:
        trace = original()
        kept = [
            frame
            for frame in trace.frames
            if frame.HasField("pc")
            and frame.pc.uri.startswith(PACKAGE_URI)
            and not frame.pc.uri.startswith(PROVIDERS_URI)
        ]
        del trace.frames[:]
        trace.frames.extend(kept)
        return trace

    declaration_frames.declaration_frames_only = True  # type: ignore[attr-defined]
    sdk_resource._get_stack_trace = declaration_frames
