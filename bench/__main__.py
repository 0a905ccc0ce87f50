"""``python -m bench``: run the benchmark (``--help`` lists the options)."""

from bench.run import main

raise SystemExit(main())
