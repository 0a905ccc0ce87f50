"""Confab's Qt user interface: the main window, the message list, dialogs and the model worker.

Everything Qt lives here; it imports ``core`` and never the reverse.
"""
