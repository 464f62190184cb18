throw new Error("sqlite3 is not installed here: the root package.json overrides it for @keyv/test-suite, which does not use it");
