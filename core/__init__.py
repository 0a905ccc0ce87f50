"""Confab's chat domain: conversations, context fitting, transcripts, models, engines.

Plain Python only: nothing in this package imports Qt, so it can be used and tested
without a display, and the GUI depends on it, never the reverse.
"""

APP_NAME = "Confab"
__version__ = "0.1.0"
