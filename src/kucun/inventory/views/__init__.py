"""Console views of the stock screens."""
