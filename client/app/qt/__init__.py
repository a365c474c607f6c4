"""The only place the agent app imports Qt for Python (PySide6, shiboken6) and qasync from.

Every other module takes its Qt names from here (``onduty.client.app.qt.core`` / ``gui`` / ``widgets``,
``loop`` for qasync's event loop, ``objects`` for object lifetime), as qutebrowser does with its ``qt``
package: one place to see which parts of Qt the app depends on, and one place to change when the
binding or its version does. ``tests/app/test_layout.py`` keeps it that way.
"""
