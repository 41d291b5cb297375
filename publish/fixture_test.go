package publish

import (
	"time"

	"github.com/refeed/refeed/item"
)

// date parses an RFC 3339 time; the fixture uses several zones to check
// that output dates are normalised to UTC.
func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testFeed returns a fixed feed of realistic items exercising every feature.
func testFeed() *Feed {
	return &Feed{
		Slug:        "politik",
		Title:       "Politik & Gesellschaft",
		Description: "Nachrichten über Politik – gesammelt von refeed",
		BaseURL:     "http://localhost:8080",
		Hubs:        []string{"https://hub.example.org/", "https://websub.example.net/hub"},
		TopicNames:  map[string]string{"politik": "Politik", "wirtschaft": "Wirtschaft"},
		Items: []item.Item{
			{
				ID:          "urn:refeed:0a1b2c3d4e5f60718293a4b5c6d7e8f9",
				Source:      "tagesschau",
				Sources:     []string{"tagesschau", "dlf"},
				SourceTitle: "tagesschau.de – Die Nachrichten der ARD",
				SourceURL:   "https://www.tagesschau.de/xml/rss2/",
				GUID:        "https://www.tagesschau.de/inland/haushalt-100.html",
				Link:        "https://www.tagesschau.de/inland/haushalt-100.html",
				Title:       "Bundestag beschließt Haushalt für Änderungen an Förderprogrammen",
				Summary:     `<p>Der Bundestag hat den <b>Haushalt</b> beschlossen. Die Grünen &amp; die FDP äußern Kritik.</p>`,
				Content:     "<p>Der Bundestag hat am Freitag den Haushalt für das kommende Jahr beschlossen.</p>\n<p>Größere Änderungen gibt es bei Förderprogrammen für Wärmepumpen.</p>",
				Authors:     []item.Author{{Name: "Jörg Müller", Email: "joerg.mueller@example.org"}, {Name: "Anna Weiß"}},
				Published:   date("2024-03-15T14:30:00+01:00"),
				Updated:     date("2024-03-15T16:05:30+01:00"),
				Categories:  []string{"Inland", "politik", "Haushalt"},
				Topics:      []string{"politik", "wirtschaft"},
				FirstSeen:   date("2024-03-15T13:35:12Z"),
			},
			{
				ID:          "urn:refeed:1f2e3d4c5b6a79880716253443526170",
				Source:      "podcast",
				SourceTitle: "Der Politik-Podcast",
				SourceURL:   "https://podcast.example.com/feed.xml",
				Link:        "https://podcast.example.com/folge-42",
				Title:       "Folge 42: Wählen ab 16?",
				Summary:     "<p>Wir sprechen über das Wahlalter.</p>",
				Authors:     []item.Author{{Email: "redaktion@podcast.example.com"}},
				Published:   date("2024-03-14T06:00:00Z"),
				Categories:  []string{"Podcast", "WAHLEN", "Wahlen"},
				Topics:      []string{"politik"},
				Enclosures: []item.Enclosure{
					{URL: "https://podcast.example.com/folge-42.mp3", Type: "audio/mpeg", Length: 48213400},
					{URL: "https://podcast.example.com/folge-42.ogg", Type: "audio/ogg"},
					{URL: "https://podcast.example.com/cover-42.jpg", Type: "image/jpeg", Length: 51234},
				},
				FirstSeen: date("2024-03-14T06:10:00Z"),
			},
			{
				ID:        "urn:refeed:2c3d4e5f60718293a4b5c6d7e8f90a1b",
				Source:    "blog",
				Link:      "https://blog.example.net/2024/03/cdata",
				Title:     "Escaping <tricky> & \"quoted\" text\x01",
				Content:   "<p>Code: <code>if a[b[0]]>1 { }</code> ends with ]]> and a bell\x07 here.</p><p>Zweiter Absatz mit Übergrößen.</p>",
				Topics:    []string{"wirtschaft"},
				FirstSeen: date("2024-03-13T09:00:00Z"),
			},
			{
				ID:        "urn:refeed:3d4e5f60718293a4b5c6d7e8f90a1b2c",
				Source:    "notes",
				Title:     "Kurzmeldung ohne Link",
				Summary:   "Nur ein Satz.",
				Topics:    []string{"unbekannt"},
				FirstSeen: date("2024-03-12T08:00:00Z"),
			},
		},
	}
}
