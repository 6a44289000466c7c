package specconv

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// jsonPathAt names the value of data that the JSON decoder had read up to offset off
// when it failed, in the form errors use elsewhere (`mounts[3].type`): encoding/json's
// UnmarshalTypeError.Field drops array indices (`mounts.type`), which leaves the reader
// counting mounts, or, with Go 1.27's encoding/json (built on encoding/json/v2), spells
// them as keys (`mounts.3.type`). field is that Field; it is returned when the walk
// disagrees with it in both spellings.
func jsonPathAt(data []byte, off int64, field string) string {
	p, dotted, indexed := walkToOffset(data, off)
	if p == "" {
		return field
	}
	// Field stops at a map (linux.sysctl), the walk goes on to the key.
	for _, s := range []string{dotted, indexed} {
		if s == field || strings.HasPrefix(s, field+".") {
			return p
		}
	}
	return field
}

// frame is one open object or array on the way down to the value.
type frame struct {
	array   bool
	index   int    // array: the element being read
	key     string // object: the member being read
	wantKey bool   // object: the next token is a key (or the end)
}

// walkToOffset returns the path of the first value whose token ends at or after off,
// and the same path as encoding/json spells it: keys joined by dots, without the indices
// (dotted) or with them (indexed).
func walkToOffset(data []byte, off int64) (path, dotted, indexed string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []frame
	done := func() { // the value at the top of the stack is complete
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", "", ""
		}
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = k, false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		path, dotted, indexed = renderPath(stack)
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{array: d == '[', wantKey: d == '{'})
		}
		if dec.InputOffset() >= off {
			return path, dotted, indexed
		}
		if _, ok := tok.(json.Delim); !ok {
			done()
		}
	}
}

func renderPath(stack []frame) (path, dotted, indexed string) {
	var b strings.Builder
	var keys, elems []string
	for _, f := range stack {
		if f.array {
			elems = append(elems, strconv.Itoa(f.index))
		} else {
			keys = append(keys, f.key)
			elems = append(elems, f.key)
		}
		switch {
		case f.array:
			b.WriteString(configs.Index("", f.index))
		case plainKey(f.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		default:
			b.WriteString(configs.Key("", f.key))
		}
	}
	return b.String(), strings.Join(keys, "."), strings.Join(elems, ".")
}

// plainKey: a key that reads unambiguously after a dot.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
