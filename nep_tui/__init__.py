"""nep-tui: a terminal client for Nepenthes and its Nextcloud file storage."""

__version__ = "0.1.0"
