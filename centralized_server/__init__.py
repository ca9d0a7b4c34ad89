"""``psyche-centralized-server``: the coordinator core hosted for training clients over TCP, without a chain."""

from centralized_server.errors import CentralizedServerError, ProtocolError, StateFileError
from centralized_server.server import CentralizedServer, ServerSettings
from centralized_server.state_file import load_state, save_state

__all__ = [
    "CentralizedServer",
    "CentralizedServerError",
    "ProtocolError",
    "ServerSettings",
    "StateFileError",
    "load_state",
    "save_state",
]
