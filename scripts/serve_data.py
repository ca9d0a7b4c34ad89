"""Serve prepared token files over HTTP (with Range requests) for an Http data location; see
client.data.serve.py.

.venv/bin/python scripts/serve_data.py data/tiny-llama --host 0.0.0.0 --port 8000 --public-host HOST
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.data.serve import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
