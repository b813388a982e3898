"""Outputs: the expensive stage, where documents become PDF, EPUB and HTML files."""
