"""The agent tray app: the Qt layer over ``onduty.client.net`` and ``onduty.client.desk``.

``main`` (the ``onduty-agent`` entry point), ``app`` (the composition root) and ``session`` (the signed-in
agent) sit here with the helpers every window uses (``prompts``, ``connections``); the windows are grouped
by what they are about: ``tray``, ``chat``, ``handover``, ``colleagues``, ``cases``. Qt itself is imported
only in ``qt``.
"""
