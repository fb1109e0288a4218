"""Who writes the text: the offline engine (memory, glossary, phrase banks) and the model engine (any
OpenAI-compatible endpoint, live or in a batch), planned and fetched within a budget."""
