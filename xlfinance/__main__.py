from xlfinance.cli import main

raise SystemExit(main())
