//go:build unix

package safefile

import "syscall"

// openFlags: O_NONBLOCK makes open(2) of a FIFO return at once instead of waiting for a
// writer (the fstat that follows then refuses it); O_NOCTTY keeps a terminal named by
// mistake from becoming the process's controlling terminal. Neither changes how a
// regular file is read.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
