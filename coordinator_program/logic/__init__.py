"""One module per instruction, each exporting ``INSTRUCTION`` (its accounts, arguments and handler)."""
