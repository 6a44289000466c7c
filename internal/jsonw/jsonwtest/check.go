//go:build goexperiment.jsonv2

// Package jsonwtest checks a record type's hand-written JSON methods (internal/jsonw)
// against encoding/json's reflective form of the same struct, for the record's unit tests.
package jsonwtest

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// Check fills a T (every exported member set, recursively), then for it, for its zero
// value and for it with each member zeroed in turn, requires that:
//   - T's MarshalJSONTo writes the bytes encoding/json writes for plain(v), the same
//     struct without the methods (a `type plainT T` conversion);
//   - T's UnmarshalJSONFrom reads those bytes back to v, and reads them with an unknown
//     member added as encoding/json does;
//   - with any one member null, T reads the same as encoding/json over a filled value.
//
// A member added to T and not to its methods fails the first check, since Fill sets it.
func Check[T any](t *testing.T, plain func(*T) any) {
	t.Helper()
	var full T
	Fill(reflect.ValueOf(&full).Elem())
	variants := map[string]T{"filled": full, "zero": *new(T)}
	typ := reflect.TypeFor[T]()
	for i := 0; i < typ.NumField(); i++ {
		if !typ.Field(i).IsExported() {
			continue
		}
		v := clone(t, plain, full)
		reflect.ValueOf(&v).Elem().Field(i).SetZero()
		variants["without "+typ.Field(i).Name] = v
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(&v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(plain(&v))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("MarshalJSONTo and encoding/json differ: %s", firstDifference(got, want))
			}
			var back T
			if err := json.Unmarshal(want, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, v) {
				t.Fatalf("UnmarshalJSONFrom read %s as\n%+v\nwant\n%+v", want, back, v)
			}
			if len(want) > 2 {
				extra := append([]byte(`{"Unknown":{"a":[1,null,"x"]},`), want[1:]...)
				back = *new(T)
				if err := json.Unmarshal(extra, &back); err != nil {
					t.Fatalf("with an unknown member: %v", err)
				}
				if !reflect.DeepEqual(back, v) {
					t.Fatalf("with an unknown member: read\n%+v\nwant\n%+v", back, v)
				}
			}
			for _, member := range members(t, want) {
				in := withNull(t, want, member)
				hand, refl := clone(t, plain, full), clone(t, plain, full)
				herr := json.Unmarshal(in, &hand)
				rerr := json.Unmarshal(in, plain(&refl))
				if (herr == nil) != (rerr == nil) {
					t.Fatalf("%s null: UnmarshalJSONFrom error %v, encoding/json's %v", member, herr, rerr)
				}
				if !reflect.DeepEqual(hand, refl) {
					t.Fatalf("%s null: UnmarshalJSONFrom read\n%+v\nencoding/json reads\n%+v", member, hand, refl)
				}
			}
		})
	}
}

// firstDifference shows where a and b part, with some bytes before.
func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d, ...%s| against ...%s|", i, a[from:min(len(a), i+40)], b[from:min(len(b), i+40)])
}

// clone deep-copies v through encoding/json's reflective form.
func clone[T any](t *testing.T, plain func(*T) any, v T) T {
	t.Helper()
	b, err := json.Marshal(plain(&v))
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, plain(&out)); err != nil {
		t.Fatal(err)
	}
	return out
}

// members lists the names of the JSON object doc's members.
func members(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.String())
		if err := dec.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// withNull is doc with member's value replaced by null.
func withNull(t *testing.T, doc []byte, member string) []byte {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	tok, err := dec.ReadToken()
	if err != nil {
		t.Fatal(err)
	}
	enc.WriteToken(tok)
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		n := name.String()
		enc.WriteToken(jsontext.String(n))
		val, err := dec.ReadValue()
		if err != nil {
			t.Fatal(err)
		}
		if n == member {
			val = jsontext.Value("null")
		}
		if err := enc.WriteValue(val); err != nil {
			t.Fatal(err)
		}
	}
	enc.WriteToken(jsontext.EndObject)
	return out.Bytes()
}

var counter int

// Fill sets every exported member of v, recursively, to a value that is not zero:
// numbers count up, strings say where they are, slices and maps get two entries.
func Fill(v reflect.Value) {
	counter++
	n := counter%100 + 1
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 7, 1, 2, 3, 456789, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				Fill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		Fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		Fill(v.Index(0))
		Fill(v.Index(1))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			Fill(k)
			Fill(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s<%d>&\"x\"", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	}
}
