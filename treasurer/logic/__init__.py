"""One module per treasurer instruction, named as the reference names it."""
