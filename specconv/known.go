package specconv

import "sort"

// MountOptions lists every mounts[].options name berth understands (for `berth
// features`); other options are passed to the filesystem as data.
func MountOptions() []string {
	var names []string
	for n := range flagOptions {
		names = append(names, n)
	}
	for n := range propagationOptions {
		names = append(names, n)
	}
	for n := range recAttrOptions {
		names = append(names, n)
	}
	for n := range recAtimeOptions {
		names = append(names, n)
	}
	names = append(names, "idmap", "ridmap", "tmpcopyup")
	sort.Strings(names)
	return names
}
