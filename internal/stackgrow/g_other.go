//go:build !amd64

package stackgrow

// Grow does nothing here: a Go frame that big would be zeroed, touching every page.
func Grow() {}
