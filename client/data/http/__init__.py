"""Token files over HTTP: range reads with limits and retries, a disk cache, and the files a location names."""
