"""Tokenize text into token files for a run's Local data location; see client/train/prepare_data.py.

.venv/bin/python scripts/prepare_data.py --out data/tiny-llama
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.train.prepare_data import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
