"""The SQLite archive: schema and migrations, articles with their history, crawl state, the run
ledger, and the recorder that turns items into rows."""
