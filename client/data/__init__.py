"""Where training data lives and how sample ids map to its bytes (spec client-training.md §6), without torch.

Token files' sequence index (the files themselves are :mod:`formats.token_files`), and the HTTP layer (range
reads, disk cache, bucket listings) that the training client's providers (:mod:`client.train.data`,
:mod:`client.train.http_data`) and the run owner's checks (:mod:`client.trainability`) share. Nothing here imports
torch, so the CLI can check a run's data without loading the training stack.
"""
