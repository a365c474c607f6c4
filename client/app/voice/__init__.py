"""Voice calls in the tray app: the call of each chat window (model, controls) and the audio devices."""
