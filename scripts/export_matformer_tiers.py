"""Cut a full LLaMA checkpoint into MatFormer tier sub-models plus matformer_manifest.json; see
client/train/matformer_export.py.

.venv/bin/python scripts/export_matformer_tiers.py --checkpoint DIR --out exports --tiers 0,1,2
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.train.matformer_export import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
