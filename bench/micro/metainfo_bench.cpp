// metainfo benchmarks: filled in with the metainfo parser
