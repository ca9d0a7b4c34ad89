"""Write a small LLaMA checkpoint (config.json + model.safetensors); see client/train/tiny_llama_checkpoint.py.

.venv/bin/python scripts/make_tiny_llama_checkpoint.py --out checkpoints/tiny-llama-local
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.train.tiny_llama_checkpoint import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
