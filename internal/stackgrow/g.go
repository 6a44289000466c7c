//go:build amd64

package stackgrow

// Grow makes the calling goroutine's stack 64 KiB (if it is smaller): its frame of 40 KiB,
// which it never touches (no zeroing, no page faults beyond the copy), does not fit a
// smaller stack. Call it first thing in a goroutine that will go deep.
func Grow()
