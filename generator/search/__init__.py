"""Search: the whoosh index and its queries (`koc search`, collections) and the browser's Pagefind bundle."""
