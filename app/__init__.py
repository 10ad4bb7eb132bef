"""Main-thread Python of the page (runs under PyScript; browser only)."""
