//go:build !unix

package safefile

// openFlags: no FIFO or terminal semantics to guard against here.
const openFlags = 0
