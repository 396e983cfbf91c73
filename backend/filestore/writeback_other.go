//go:build !linux

package filestore

import "os"

// startWriteback is a no-op where the kernel offers no write-behind hint.
func startWriteback(*os.File, int64, int64) {}
