"""公表: the accepted reports' public fields, kept in a search index for residents."""
