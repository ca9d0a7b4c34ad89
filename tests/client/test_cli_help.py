"""Every subcommand's --help lists its flags, their defaults and environment variables, with the reference's
names (spec programs-and-cli.md §3.4), so the reference's documentation works as written."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from click.utils import make_default_short_help

from client.cli import cli
from client.cli.app import COMMANDS

CHAIN = {"--rpc", "--ws-rpc", "--ledger"}
WALLET = {"-w", "--wallet-private-key-path"}
RUN = {"-r", "--run-id"}
REFERENCE_FLAGS = {
    "create-run": CHAIN | WALLET | RUN | {"-c", "--client-version", "--treasurer-index", "--treasurer-collateral-mint",
                                         "--join-authority"},
    "close-run": CHAIN | WALLET | RUN,
    "update-config": CHAIN | WALLET | RUN | {"--treasurer-index", "--config-path", "--restart-from-step",
                                             "--switch-to-hub", "--name", "--description", "--num-parameters",
                                             "--vocab-size", "--client-version"},
    "set-paused": CHAIN | WALLET | RUN | {"--treasurer-index", "--resume", "--pause"},
    "set-future-epoch-rates": CHAIN | WALLET | RUN | {"--treasurer-index", "--earning-rate-total-shared",
                                                      "--slashing-rate-per-client"},
    "checkpoint": CHAIN | WALLET | RUN | {"--repo", "--revision"},
    "tick": CHAIN | WALLET | RUN | {"--ms-interval", "--count"},
    "join-authorization-create": CHAIN | WALLET | {"--authorizer"},
    "join-authorization-read": CHAIN | {"--join-authority", "--authorizer"},
    "join-authorization-set-delegates": CHAIN | WALLET | {"--join-authority", "--delegates-clear",
                                                          "--delegates-added", "--delegate-added"},
    "join-authorization-delegate": CHAIN | WALLET | {"--join-authority", "--delegates-clear", "--delegates-added"},
    "join-authorization-delete": CHAIN | WALLET | {"--authorizer"},
    "join-authorization-activate": CHAIN | WALLET | {"--authorizer"},
    "join-authorization-deactivate": CHAIN | WALLET | {"--authorizer"},
    "join-authorization-close": CHAIN | WALLET | {"--authorizer"},
    "treasurer-top-up-rewards": CHAIN | WALLET | RUN | {"--treasurer-index", "--collateral-amount"},
    "treasurer-claim-rewards": CHAIN | WALLET | RUN | {"--treasurer-index"},
    "can-join": CHAIN | RUN | {"--authorizer", "--address", "--wallet", "--user"},
    "json-dump-run": CHAIN | RUN | {"--treasurer-index"},
    "json-dump-user": CHAIN | RUN | {"--treasurer-index", "--address", "--wallet", "--user"},
}  # fmt: skip
# The flag -> environment variable pairs the reference reads (spec §3.1, §3.4).
REFERENCE_ENV = {
    "--rpc": "RPC",
    "--ws-rpc": "WS_RPC",
    "--wallet-private-key-path": "WALLET_PRIVATE_KEY_PATH",
    "--run-id": "RUN_ID",
    "--client-version": "CLIENT_VERSION",
    "--treasurer-index": "TREASURER_INDEX",
    "--treasurer-collateral-mint": "TREASURER_COLLATERAL_MINT",
    "--config-path": "CONFIG_PATH",
    "--earning-rate-total-shared": "EARNING_RATE_TOTAL_SHARED",
    "--slashing-rate-per-client": "SLASHING_RATE_PER_CLIENT",
    "--collateral-amount": "COLLATERAL_AMOUNT",
    "--authorizer": "AUTHORIZER",
    "--join-authority": "JOIN_AUTHORITY",
    "--delegates-clear": "DELEGATES_CLEAR",
    "--delegates-added": "DELEGATES_ADDED",
    "--address": "ADDRESS",
}
NO_ENV = {
    ("create-run", "--join-authority"),
    ("update-config", "--name"),
    ("update-config", "--description"),
    ("create-run", "--config-path"),  # ours, not the reference's: an ambient CONFIG_PATH must not configure new runs
}


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, name
    return command


def _commands() -> list[tuple[str, click.Command]]:
    found = []
    for name in cli.list_commands(click.Context(cli)):
        command = _command(name)
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", subcommand) for sub, subcommand in command.commands.items()]
        else:
            found.append((name, command))
    return found


def _help(name: str) -> str:
    result = CliRunner().invoke(cli, [*name.split(), "--help"], terminal_width=119)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_the_group_lists_every_command() -> None:
    text = _help("")
    for name in REFERENCE_FLAGS.keys() - {"join-authorization-delegate", "join-authorization-delete"}:
        assert name in text
    for extra in ("keygen", "airdrop", "create-mint"):
        assert extra in text
    assert "train" in text


def test_the_command_list_matches_each_commands_own_help_without_importing_it() -> None:
    """The group lists its commands from summaries (so ``--help`` imports none of them); each summary is the
    start of its command's docstring, and every hidden alias is the command it names."""
    for name, entry in COMMANDS.items():
        command = _command(name)
        if entry.alias_of is None:
            assert make_default_short_help(entry.summary, 1000) == command.get_short_help_str(1000), name
        else:
            assert command.hidden and command.callback is _command(entry.alias_of).callback, name


def test_train_takes_the_issue_flags() -> None:
    command = _command("train")
    flags = {opt for param in command.params for opt in param.opts if opt.startswith("-")}
    expected = {"--run-id", "--wallet-private-key-path", "--rpc", "--device", "--data-dir", "--p2p-port"}
    assert expected | {"--bootstrap-peer", "--checkpoint-dir", "--logs", "--write-log"} <= flags


@pytest.mark.parametrize("name", sorted(REFERENCE_FLAGS))
def test_each_command_takes_the_reference_flags(name: str) -> None:
    command = _command(name)
    flags = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")}
    assert REFERENCE_FLAGS[name] <= flags
    text = _help(name)
    for flag in REFERENCE_FLAGS[name]:
        assert flag in text


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[name for name, _ in _commands()])
def test_help_shows_every_default_and_environment_variable(name: str, command: click.Command) -> None:
    text = _help(name)
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        if param.default is not None and not param.is_flag:
            assert f"default: {param.default}" in text, (name, param.name)
        env = REFERENCE_ENV.get(param.opts[-1])
        if env is not None and name in REFERENCE_FLAGS and (name, param.opts[-1]) not in NO_ENV:
            assert param.envvar == env and f"env var: {env}" in text, (name, param.name)


def test_flags_without_an_environment_variable_in_the_reference_have_none() -> None:
    for name, flag in NO_ENV:
        (option,) = [p for p in _command(name).params if flag in p.opts]
        assert option.envvar is None


def test_defaults_that_matter_are_stated() -> None:
    assert "default: embedded" in _help("create-run")
    assert "default: .psyche-ledger" in _help("create-run")
    assert "default: 1000" in _help("tick")
    assert "default: pause" in _help("set-paused")
    assert "default: 11111111111111111111111111111111" in _help("join-authorization-read")
    assert "RAW_WALLET_PRIVATE_KEY" in _help("set-paused")
