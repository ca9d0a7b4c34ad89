"""The cluster as one node: getClusterNodes, getIdentity, validatorExit, getEpochSchedule,
getLeaderSchedule, getSlotLeader(s), getVoteAccounts, getHighestSnapshotSlot, getStakeMinimumDelegation.

The validator is the leader of every slot. It has no vote account and takes no snapshots, so
getVoteAccounts lists none and getHighestSnapshotSlot answers Agave's "No snapshot" (-32008).
"""

from __future__ import annotations

from emulator.constants import SLOTS_PER_EPOCH
from validator.rpc.context import API_VERSION, FEATURE_SET, RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Params, expect_u64, parse_pubkey

__all__ = ["METHODS", "SHRED_VERSION"]

MAX_GET_SLOT_LEADERS = 5000
SHRED_VERSION = 1  # one node, one genesis: any fixed value identifies the "cluster"
STAKE_MINIMUM_DELEGATION = 1  # lamports, while stake_raise_minimum_delegation_to_1_sol is inactive


def get_cluster_nodes(ctx: RpcContext, params: Params) -> object:
    node = ctx.node
    return [
        {
            "pubkey": str(node.identity),
            "gossip": None,
            "tvu": None,
            "tpu": None,
            "tpuQuic": None,
            "tpuForwards": None,
            "tpuForwardsQuic": None,
            "tpuVote": None,
            "serveRepair": None,
            "rpc": node.rpc_address,
            "pubsub": node.pubsub_address,
            "version": API_VERSION,
            "featureSet": FEATURE_SET,
            "shredVersion": SHRED_VERSION,
        }
    ]


def get_identity(ctx: RpcContext, params: Params) -> object:
    return {"identity": str(ctx.node.identity)}


def validator_exit(ctx: RpcContext, params: Params) -> object:
    """False: exiting over RPC is off, as it is unless Agave runs with ``--enable-rpc-exit``."""
    return False


def get_epoch_schedule(ctx: RpcContext, params: Params) -> object:
    """A fixed epoch length without warmup, as the runtime counts epochs (``slot // SLOTS_PER_EPOCH``)."""
    return {
        "slotsPerEpoch": SLOTS_PER_EPOCH,
        "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
        "warmup": False,
        "firstNormalEpoch": 0,
        "firstNormalSlot": 0,
    }


def get_leader_schedule(ctx: RpcContext, params: Params) -> object:
    """``{identity: [every slot index of the epoch]}``; null past the next epoch, whose schedule is not known yet."""
    first = params.optional(0)
    if isinstance(first, dict):  # the slot may be left out with the config in its place
        slot_value, config = None, params.config(0)
    else:
        slot_value, config = first, params.config(1)
    current = ctx.slot_for(config)
    slot = expect_u64(slot_value) if slot_value is not None else current
    identity = config.get("identity")
    if identity is not None and parse_pubkey(identity) != ctx.node.identity:
        return {}
    if slot // SLOTS_PER_EPOCH > current // SLOTS_PER_EPOCH + 1:
        return None
    return {str(ctx.node.identity): list(range(SLOTS_PER_EPOCH))}


def get_slot_leader(ctx: RpcContext, params: Params) -> object:
    ctx.slot_for(params.config(0))
    return str(ctx.node.identity)


def get_slot_leaders(ctx: RpcContext, params: Params) -> object:
    start = expect_u64(params.required(0))
    limit = expect_u64(params.required(1))
    if limit > MAX_GET_SLOT_LEADERS:
        raise RpcError.invalid_params(f"Invalid limit; max {MAX_GET_SLOT_LEADERS}")
    last_known_epoch = ctx.processed_slot // SLOTS_PER_EPOCH + 1
    if (start + max(limit, 1) - 1) // SLOTS_PER_EPOCH > last_known_epoch:
        raise RpcError.invalid_params(
            f"Invalid slot range: leader schedule for epoch {last_known_epoch + 1} is unavailable"
        )
    return [str(ctx.node.identity)] * limit


def get_vote_accounts(ctx: RpcContext, params: Params) -> object:
    config = params.config(0)
    ctx.slot_for(config)
    vote_pubkey = config.get("votePubkey")
    if vote_pubkey is not None:
        parse_pubkey(vote_pubkey)
    return {"current": [], "delinquent": []}


def get_highest_snapshot_slot(ctx: RpcContext, params: Params) -> object:
    raise RpcError.no_snapshot()


def get_stake_minimum_delegation(ctx: RpcContext, params: Params) -> object:
    return ctx.wrap(ctx.slot_for(params.config(0)), STAKE_MINIMUM_DELEGATION)


METHODS = (
    Method("getClusterNodes", get_cluster_nodes, 0),
    Method("getIdentity", get_identity, 0),
    Method("validatorExit", validator_exit, 0),
    Method("getEpochSchedule", get_epoch_schedule, 0),
    Method("getLeaderSchedule", get_leader_schedule, 2),
    Method("getSlotLeader", get_slot_leader, 1),
    Method("getSlotLeaders", get_slot_leaders, 2),
    Method("getVoteAccounts", get_vote_accounts, 1),
    Method("getHighestSnapshotSlot", get_highest_snapshot_slot, 0),
    Method("getStakeMinimumDelegation", get_stake_minimum_delegation, 1),
)
