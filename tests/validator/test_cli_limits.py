"""``psyche-validator``'s limit flags reach the servers' configuration; a limit that is not positive is a usage
error."""

from __future__ import annotations

import pytest

from validator.cli import parse_args
from validator.pubsub.limits import DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionLimits
from validator.rpc.limits import DEFAULT_RPC_LIMITS, RpcLimits


def test_limits_default_to_the_documented_values_and_follow_their_flags() -> None:
    config, _ = parse_args([])
    assert (config.rpc_limits, config.subscription_limits) == (DEFAULT_RPC_LIMITS, DEFAULT_SUBSCRIPTION_LIMITS)
    assert RpcLimits(max_batch_requests=100, max_response_bytes=64 * 1024 * 1024) == DEFAULT_RPC_LIMITS
    assert SubscriptionLimits(max_active=25_000, max_per_connection=1_000) == DEFAULT_SUBSCRIPTION_LIMITS
    config, _ = parse_args(
        [
            "--rpc-max-batch-requests", "7",
            "--rpc-max-response-bytes", "4096",
            "--rpc-pubsub-max-active-subscriptions", "50",
            "--rpc-pubsub-max-connection-subscriptions", "5",
        ]
    )  # fmt: skip
    assert config.rpc_limits == RpcLimits(max_batch_requests=7, max_response_bytes=4096)
    assert config.subscription_limits == SubscriptionLimits(max_active=50, max_per_connection=5)


@pytest.mark.parametrize(
    "flag",
    [
        "--rpc-max-batch-requests",
        "--rpc-max-response-bytes",
        "--rpc-pubsub-max-active-subscriptions",
        "--rpc-pubsub-max-connection-subscriptions",
    ],
)
def test_a_limit_that_is_not_positive_is_a_usage_error(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args([flag, "0"])
    assert exited.value.code == 2
    assert f"{flag} must be positive" in capsys.readouterr().err
