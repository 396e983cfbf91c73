// Package filelock takes exclusive advisory locks on open files, without
// waiting: the one way the back end tells a live process's files (an upload
// being written, the scheduler's lease) from those of a dead one. A lock
// belongs to the open file: a second open of the same file, even in this
// process, does not get it while the first holds it, and it goes when the
// holder closes the file or dies, kill -9 included.
package filelock
