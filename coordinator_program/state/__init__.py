"""The coordinator program's account layouts and instruction-argument encodings."""
