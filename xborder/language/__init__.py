"""What a translator's tools share: glossary, translation memory, TMX and XLIFF, phrase banks, option names,
numbers and measures for a locale."""
