"""地域病床見える化 (the regional bed view): what it reads from the hospital daily survey, its
queries and its CSV layout. Served by ``gmis.blueprints.beds``."""
