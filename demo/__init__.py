"""``make demo``: serve the bundled sample outlets locally and run the whole pipeline over them."""
