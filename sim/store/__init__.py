"""Storage edge: sqlmodel tables, migrations, the recorder that writes runs and the reader."""
