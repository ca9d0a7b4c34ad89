"""Announcements for rounds not yet begun are kept within per-sender and look-ahead bounds."""

from __future__ import annotations

from solders.keypair import Keypair

from client.participant.early_messages import EarlyMessages
from client.participant.messages import Broadcast, Commitment, CommitteeClaim, Finished
from coordinator_program.core.types import Committee

KEY = Keypair()


def finished(step: int, nonce: int = 0) -> Broadcast:
    merkle = nonce.to_bytes(32, "big")
    return Broadcast(
        step, CommitteeClaim(Committee.Trainer, 0, 0), Commitment.sign(KEY, merkle), nonce, Finished(merkle, False)
    )


def test_one_sender_cannot_fill_the_buffer_and_far_steps_are_dropped() -> None:
    early = EarlyMessages(per_sender=4, steps_ahead=2)
    flooder, honest = Keypair().pubkey(), Keypair().pubkey()
    kept = [early.keep(flooder, finished(11, i), coordinator_step=10) for i in range(1100)]
    assert kept.count(True) == 4 and early.largest_per_sender() == 4
    assert not early.keep(honest, finished(13), coordinator_step=10)  # more than two steps ahead
    assert early.keep(honest, finished(12), coordinator_step=10)  # the flood did not crowd it out
    assert len(early) == 5


def test_taking_returns_the_current_and_later_steps_and_empties_the_buffer() -> None:
    early = EarlyMessages()
    sender = Keypair().pubkey()
    for step in (9, 11, 12):
        early.keep(sender, finished(step, step), coordinator_step=10)
    assert [b.step for _, b in early.take(from_step=11)] == [11, 12]
    assert len(early) == 0
