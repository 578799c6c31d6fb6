package classify

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// TestVerdictCloneCopiesEveryString fails when a string field is added to
// Verdict without being copied by Clone.
func TestVerdictCloneCopiesEveryString(t *testing.T) {
	line := strings.Repeat("x", 64)
	var v Verdict
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Kind() == reflect.String {
			f.SetString(line[i : i+1])
		}
	}
	c := v.Clone()
	if c != v {
		t.Fatalf("Clone changed the value: %+v", c)
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(line)))
	cv := reflect.ValueOf(c)
	for i := range cv.NumField() {
		f := cv.Field(i)
		if f.Kind() != reflect.String {
			continue
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(f.String())))
		if p >= lo && p < lo+uintptr(len(line)) {
			t.Errorf("Verdict.%s still points into the original line", cv.Type().Field(i).Name)
		}
	}
}
