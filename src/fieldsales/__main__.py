from fieldsales.cli import main

raise SystemExit(main())
