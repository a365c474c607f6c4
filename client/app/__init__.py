"""The agent tray app: the Qt layer over ``onduty.client.net`` (models, tray, chat windows)."""
