//go:build race

package procedures

// raceEnabled reports whether the test binary was built with -race.
const raceEnabled = true
