"""Tools for maintainers that are not part of the product: they live beside gmis/, not in
it, so that the wheel does not ship them."""
