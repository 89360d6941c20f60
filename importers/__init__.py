"""Turn guide documents (bytes) into parsed documents, without touching the database."""
