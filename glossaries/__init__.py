"""Starter glossaries shipped with xborder (CSV files; see xborder/language/glossary.py)."""
