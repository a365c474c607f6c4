"""The tray icon and its menu, the fallback window without a tray, sign-in and the settings dialog."""
