"""NiceGUI pages. They call core use-cases only (a test enforces it); ``main.compose`` wires them onto the app."""

from ui.pages import register_pages

__all__ = ["register_pages"]
