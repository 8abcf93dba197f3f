package procedures

import "testing"

// realDataPath is the shared portal crawl, present beside the checkout in the project's
// workspace; tests that need it skip when it is absent.
const realDataPath = "../../shared/data/dvc-2026.jsonl.gz"

// skipNationalUnderRace skips a test that searches the national catalogue when the race
// detector is on. Those tests are single-goroutine quality checks over 2,642 records and
// thousands of examples; under -race they take more than ten times as long (the package
// ran past CI's 30 minutes), and `make test` runs this package a second time without -race
// so they still run on every CI.
func skipNationalUnderRace(tb testing.TB) {
	tb.Helper()
	if raceEnabled {
		tb.Skip("national-catalogue test: run without -race (make test's second pass)")
	}
}
