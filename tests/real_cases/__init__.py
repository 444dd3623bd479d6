"""Shapes people really fed a recurrent module, with the fix their thread settled on."""
