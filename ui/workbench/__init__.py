"""The provider workbench: an AG Grid of models whose edits stay pending in Python until Save.

``page`` composes it from small parts that share one ``Workbench`` object (NiceGUI's class example):
``toolbar`` (title, Save, fetch, add by hand, search, bulk edits), ``grid`` (the models), ``impact_view``
(what the edits would do, below the grid and in the save dialog) and ``save_dialog``.
"""

from ui.workbench.page import workbench

__all__ = ["workbench"]
