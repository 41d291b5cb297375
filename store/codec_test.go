package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/refeed/refeed/item"
)

// fill sets every field of v, recursively, to a value that is not zero,
// so that a field the codec forgets shows.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(strings.Repeat("x", *n) + "<é>")
	case reflect.Int64:
		v.SetInt(int64(*n) * 1000003)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, *n, time.FixedZone("", 3600*(*n%5)))))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	default:
		panic("fill: " + v.Kind().String())
	}
}

// TestEncodeAllocatesOnce: an item is encoded into one slice, allocated at
// its full size (encodedSize), however many fields it fills.
func TestEncodeAllocatesOnce(t *testing.T) {
	var it item.Item
	n := 0
	fill(reflect.ValueOf(&it).Elem(), &n)
	it.Content = strings.Repeat("<p>Ein Absatz, ein Artikel.</p>", 150)
	data, err := encode(&it)
	if err != nil {
		t.Fatal(err)
	}
	if size := encodedSize(&it); len(data) > size {
		t.Errorf("encodedSize = %d, encode wrote %d bytes", size, len(data))
	}
	if allocs := testing.AllocsPerRun(10, func() { _, _ = encode(&it) }); allocs != 1 {
		t.Errorf("encode allocates %v times, want once", allocs)
	}
}

func TestCodecKeepsEveryField(t *testing.T) {
	var it item.Item
	n := 0
	fill(reflect.ValueOf(&it).Elem(), &n)
	data, err := encode(&it)
	if err != nil {
		t.Fatal(err)
	}
	var got item.Item
	if err := decode(data, &got); err != nil {
		t.Fatal(err)
	}
	want := it
	want.Topics, want.Sources, want.Fingerprint = nil, nil, "" // kept elsewhere
	// Times compare as JSON did: the same instant and offset.
	wj, _ := json.Marshal(&want)
	gj, _ := json.Marshal(&got)
	if string(wj) != string(gj) {
		t.Errorf("decode(encode(it)):\n%s\nwant\n%s", gj, wj)
	}

	// Items stored as JSON are still read.
	var old item.Item
	if err := decode(wj, &old); err != nil {
		t.Error(err)
	}
	if oj, _ := json.Marshal(&old); string(oj) != string(wj) {
		t.Errorf("decode(JSON) = %s", oj)
	}

	// An empty item, and every truncation of one, is read or refused
	// without panicking.
	data, _ = encode(&item.Item{})
	if err := decode(data, &got); err != nil || !reflect.DeepEqual(got, item.Item{}) { // got is reset
		t.Errorf("empty item: %+v, %v", got, err)
	}
	full, _ := encode(&it)
	for i := range len(full) {
		if err := decode(full[:i], new(item.Item)); err == nil {
			t.Errorf("decoded %d of %d bytes", i, len(full))
		}
	}
}

// TestCodecMakesTextValidUTF8 as JSON did: what is read back is valid.
func TestCodecMakesTextValidUTF8(t *testing.T) {
	it := item.Item{Title: "a\xffb\xc3", Content: "ok é", Categories: []string{"\xfe\xfe"}}
	data, err := encode(&it)
	if err != nil {
		t.Fatal(err)
	}
	var got item.Item
	if err := decode(data, &got); err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(&it)
	var want item.Item
	json.Unmarshal(wj, &want)
	if got.Title != want.Title || got.Content != want.Content || got.Categories[0] != want.Categories[0] {
		t.Errorf("got %q %q %q, want (as JSON) %q %q %q", got.Title, got.Content, got.Categories, want.Title, want.Content, want.Categories)
	}
}

func TestCodecRefusesYearsRFC3339CannotWrite(t *testing.T) {
	it := item.Item{Published: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := encode(&it); err == nil {
		t.Error("encoded the year 10000")
	}
}
