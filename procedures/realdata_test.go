package procedures

// realDataPath is the shared portal crawl, present beside the checkout in the project's
// workspace; tests that need it skip when it is absent.
const realDataPath = "../../shared/data/dvc-2026.jsonl.gz"
