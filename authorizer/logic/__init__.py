"""The authorizer's instructions, one module each, named as the reference names them."""
