from simulateur.cli import main

raise SystemExit(main())
