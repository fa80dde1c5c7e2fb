"""Imported by orders; imports nothing back: no cycle."""
ITEMS = ["book"]
