"""``python -m actkit``."""

from actkit.cli import main

# Guarded: worker processes (see actkit.drafting) import the main module again.
if __name__ == "__main__":
    main()
