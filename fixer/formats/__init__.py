"""Format readers: each turns a file into a Document and finds its registries."""
