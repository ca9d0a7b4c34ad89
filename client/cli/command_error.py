"""The one error every command raises for a failure the user can act on, in a module of its own so that light
commands (``keygen``) can raise it without loading the chain machinery."""

from __future__ import annotations

import click

from client.errors import ClientError

__all__ = ["CommandError"]


class CommandError(ClientError, click.ClickException):
    """A command cannot do what was asked; the message says why (click prints ``Error: ...``, exit status 1)."""
