//go:build goexperiment.jsonv2

package jsonw

import (
	"encoding/base64"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"strconv"
	"unsafe"
)

// ReadObject reads one JSON object, calling member with each member's name in lower case
// (encoding/json matches names case-insensitively; berth's are all lower case). member
// must read the value: with one of the readers below, or dec.SkipValue for a name it
// does not know. A null leaves the record as it was. A name that is not ASCII is an
// error: encoding/json folds Unicode case ("ſ" matches "s"), which lower does not.
func ReadObject(dec *jsontext.Decoder, member func(name string) error) error {
	if _, ok, err := next(dec, '{'); !ok {
		return err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		name, ok := lower(tok.String())
		if !ok {
			return fmt.Errorf("member name %q is not ASCII", name)
		}
		if err := member(name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	_, err := dec.ReadToken()
	return err
}

// lower is strings.ToLower for the ASCII names berth reads, without a copy when the name
// is lower case already; ok is false (and s returned as it is) for a name not ASCII.
func lower(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return s, false
		}
		upper = upper || ('A' <= s[i] && s[i] <= 'Z')
	}
	if !upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b), true
}

// kindNames say what a reader wanted, in its errors.
var kindNames = map[jsontext.Kind]string{
	'"': "a string", '0': "a number", 't': "true or false", '{': "an object", '[': "an array",
}

// next reads the token that starts a value of kind want ('"', '0', '{', '[', or 't' for
// true and false). ok is false for a null (err nil: the caller leaves its value alone
// or clears it, as encoding/json does) and for an error.
func next(dec *jsontext.Decoder, want jsontext.Kind) (tok jsontext.Token, ok bool, err error) {
	tok, err = dec.ReadToken()
	if err != nil {
		return tok, false, err
	}
	k := tok.Kind()
	if k == 'n' {
		return tok, false, nil
	}
	if k == want || (want == 't' && k == 'f') {
		return tok, true, nil
	}
	return tok, false, fmt.Errorf("want %s, found %s", kindNames[want], k)
}

// ReadString reads a string.
func ReadString[T ~string](dec *jsontext.Decoder, p *T) error {
	tok, ok, err := next(dec, '"')
	if ok {
		*p = T(tok.String())
	}
	return err
}

// ReadBytes reads a base64 string (standard, padded) into a byte slice; null makes it nil.
func ReadBytes(dec *jsontext.Decoder, p *[]byte) error {
	tok, ok, err := next(dec, '"')
	if !ok {
		if err == nil {
			*p = nil
		}
		return err
	}
	b, err := base64.StdEncoding.DecodeString(tok.String())
	if err != nil {
		return err
	}
	*p = b
	return nil
}

// ReadBool reads true or false.
func ReadBool(dec *jsontext.Decoder, p *bool) error {
	tok, ok, err := next(dec, 't')
	if ok {
		*p = tok.Bool()
	}
	return err
}

// ReadInt reads a signed number that fits T.
func ReadInt[T ~int | ~int16 | ~int32 | ~int64](dec *jsontext.Decoder, p *T) error {
	tok, ok, err := next(dec, '0')
	if !ok {
		return err
	}
	n, err := strconv.ParseInt(tok.String(), 10, int(unsafe.Sizeof(*p))*8)
	if err != nil {
		return err
	}
	*p = T(n)
	return nil
}

// ReadUint reads an unsigned number that fits T.
func ReadUint[T ~uint | ~uint16 | ~uint32 | ~uint64 | ~uintptr](dec *jsontext.Decoder, p *T) error {
	tok, ok, err := next(dec, '0')
	if !ok {
		return err
	}
	n, err := strconv.ParseUint(tok.String(), 10, int(unsafe.Sizeof(*p))*8)
	if err != nil {
		return err
	}
	*p = T(n)
	return nil
}

// ReadPtr reads a value with read into *p, allocated when nil (encoding/json decodes
// into a pointer that is already set); null makes *p nil.
func ReadPtr[T any](dec *jsontext.Decoder, p **T, read func(*jsontext.Decoder, *T) error) error {
	if dec.PeekKind() == 'n' {
		*p = nil
		return dec.SkipValue()
	}
	if *p == nil {
		*p = new(T)
	}
	return read(dec, *p)
}

// ReadSlice reads an array, each element with read; null makes *p nil.
func ReadSlice[T any](dec *jsontext.Decoder, p *[]T, read func(*jsontext.Decoder, *T) error) error {
	if _, ok, err := next(dec, '['); !ok {
		if err == nil {
			*p = nil
		}
		return err
	}
	s := []T{}
	for dec.PeekKind() != ']' {
		var v T
		if err := read(dec, &v); err != nil {
			return fmt.Errorf("[%d]: %w", len(s), err)
		}
		s = append(s, v)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*p = s
	return nil
}

// ReadStringMap reads an object of strings (keys as written); null makes *m nil.
func ReadStringMap(dec *jsontext.Decoder, m *map[string]string) error {
	if _, ok, err := next(dec, '{'); !ok {
		if err == nil {
			*m = nil
		}
		return err
	}
	out := *m // encoding/json adds to a map that is already there
	if out == nil {
		out = map[string]string{}
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := tok.String() // before the next read voids tok
		var v string
		if err := ReadString(dec, &v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		out[key] = v
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*m = out
	return nil
}

// unmarshalerFrom is what a record type implements (json.UnmarshalerFrom on its pointer).
type unmarshalerFrom[T any] interface {
	*T
	json.UnmarshalerFrom
}

// ReadRecord reads one of berth's records with its own UnmarshalJSONFrom, for ReadPtr and ReadSlice.
func ReadRecord[T any, PT unmarshalerFrom[T]](dec *jsontext.Decoder, v *T) error {
	return PT(v).UnmarshalJSONFrom(dec)
}

// ReadAny reads a value encoding/json decodes itself (runtime-spec's types, time.Time).
func ReadAny(dec *jsontext.Decoder, v any) error {
	return json.UnmarshalDecode(dec, v)
}
