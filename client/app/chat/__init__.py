"""Chats: the chat window with its model, message list, input and memo, the open windows, past chats and callbacks."""
