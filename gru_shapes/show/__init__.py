"""Everything drawn: the report laid out as sections (layout, header, tables, sections and the views of
idioms, diagram, step and trace), then drawn by a renderer (render for the terminal, markdown, svg,
notebook HTML), the diagram's own drawings, ``--help``, and the display hooks of the API's results.

No torch here; rich is imported by the renderers only.
"""
