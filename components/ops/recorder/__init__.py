"""The recorder extension: shipping it (``extension.py``, ``command.py``) and its log collection (``collection.py``).

``drift`` tells whether a Directus runs it (``ops/drift/recorder.py``); ``audit`` reads its rows
(``ops/audit/recorded.py``); its identity and settings line live in ``model/recorder_extension.py``.
"""
