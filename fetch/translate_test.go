package fetch

import "testing"

// TestGUIDAsLink: an RSS item without a link takes its guid as its link
// when the guid is a permalink (no isPermaLink, or "true") and a web URL;
// never when isPermaLink is "false", and never over a link of its own.
func TestGUIDAsLink(t *testing.T) {
	doc := `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>
<item><title>no attribute</title><guid> https://x.example/1 </guid></item>
<item><title>true</title><guid isPermaLink="true">https://x.example/2</guid></item>
<item><title>TRUE, lower-case name</title><guid isPermalink="TRUE">http://x.example/3</guid></item>
<item><title>false</title><guid isPermaLink="false">https://x.example/4</guid></item>
<item><title>not a URL</title><guid>post-5</guid></item>
<item><title>not a web URL</title><guid>mailto:a@x.example</guid></item>
<item><title>own link</title><link>https://x.example/own</link><guid>https://x.example/7</guid></item>
<item><title>atom link</title><atom:link href="https://x.example/atom"/><guid>https://x.example/8</guid></item>
</channel></rss>`
	f, err := Parse([]byte(doc), "", "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://x.example/1", "https://x.example/2", "http://x.example/3", "", "", "", "https://x.example/own", "https://x.example/atom"}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for i, w := range want {
		if got := f.Items[i].Link; got != w {
			t.Errorf("%s: link %q, want %q", f.Items[i].Title, got, w)
		}
	}
}
