"""The file formats the training client and its two hosts (validator, centralized server) all read and write.

A run's ``state.toml`` (:mod:`formats.run_config`), token files on disk (:mod:`formats.token_files`) and the
JSON-lines event log (:mod:`formats.event_log`). They stand below the hosts so the centralized server reads the
same state files and writes the same log lines as the client, without importing the client; they import only the
programs' types and the runtime's Borsh codec, never torch.
"""

from formats.errors import FormatError, TokenFileError

__all__ = ["FormatError", "TokenFileError"]
