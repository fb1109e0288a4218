"""Starter glossaries shipped with xborder (CSV files; see xborder/translate/glossary.py)."""
