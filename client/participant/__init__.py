"""A participant of a run: what a training client says to its peers and decides from the coordinator's state.

The torch side (model, DisTrO, data) is in :mod:`client.train`; the transport in :mod:`client.p2p`; this
package holds the protocol between them: the round's announcements and commitments, the merkle root of
a round's broadcasts, and the consensus a client applies.
"""
