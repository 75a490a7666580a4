"""``python -m actkit``."""

from actkit.cli import main

main()
