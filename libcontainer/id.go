package libcontainer

import "fmt"

// Path traversal through ids: an id is a file name, never a path.
// Ids become directory names under --root and cgroup names: keep them to a safe
// alphabet so no id can climb out of its directory ("..", "/"): ^[A-Za-z0-9][A-Za-z0-9_+.-]*$,
// checked by hand because a package-level regexp is compiled at every start of berth,
// `berth init` included.
func idAlphabet(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || (c != '_' && c != '+' && c != '.' && c != '-')) {
			return false
		}
	}
	return true
}

// maxIDLen is NAME_MAX: the longest file name, which the id becomes.
const maxIDLen = 255

// ValidateID rejects ids that are empty, too long, or could be read as a path.
func ValidateID(id string) error {
	if id == "" {
		return fmt.Errorf("invalid container id: empty")
	}
	// The id names a directory (the state's; the cgroup's by default): NAME_MAX.
	if len(id) > maxIDLen {
		return fmt.Errorf("invalid container id %q: longer than %d bytes", id[:32]+"...", maxIDLen)
	}
	if id == "." || id == ".." || !idAlphabet(id) {
		return fmt.Errorf("invalid container id %q: use letters, digits and _+.- only, not starting with a symbol", id)
	}
	return nil
}
