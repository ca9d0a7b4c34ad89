"""The instructions a client sends, one module per program, built from each program's declared interface."""
