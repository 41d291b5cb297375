// Command refeed-extract measures refeed's full-text extraction on the
// article-extraction benchmark in ../shared/extraction: 181 real pages
// with their true article bodies, and the benchmark's evaluate.py.
//
// It runs every page through what a fulltext source does with a fetched
// page, without the network: the page decoded to UTF-8 (fulltext.Decode),
// cleaned with the site's rules and its article extracted
// (refresh.Article), then cleaned as an item's content (clean's Item). The
// article's text is written in the format evaluate.py reads
// (output/refeed.json), evaluate.py is run with python3, and its figures
// are printed: F1, precision and recall over the token 4-grams of each
// article, averaged over the pages.
//
//	go run ./cmd/refeed-extract                     # ../shared/extraction
//	go run ./cmd/refeed-extract -data DIR -worst 10 # and the 10 worst pages
//	go run ./cmd/refeed-extract -keep out           # keep the texts in out/
//	go run ./cmd/refeed-extract -removals           # and what each rule removed
//	go run ./cmd/refeed-extract -site-configs ../shared/ftr-site-config
//
// The same run is a test of this package (see main_test.go), which fails
// when the figures fall below the floors reached so far.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var o options
	flag.StringVar(&o.data, "data", "../shared/extraction", "the benchmark's folder: ground-truth.json, html/ID.html.gz and evaluate.py")
	flag.StringVar(&o.python, "python", "python3", "the Python 3 interpreter that runs evaluate.py")
	flag.IntVar(&o.bootstrap, "bootstrap", 1000, "bootstrap samples of evaluate.py's error bars")
	flag.IntVar(&o.worst, "worst", 0, "also list this many pages with the lowest F1")
	flag.BoolVar(&o.listRules, "removals", false, "list every removal made by a rule (the boilerplate families, site packs), with its page")
	flag.StringVar(&o.keep, "keep", "", "keep evaluate.py's folder here (ground-truth.json, output/refeed.json, results.json, and text/ID.txt and article/ID.html per page) instead of a temporary one")
	flag.StringVar(&o.sites, "site-configs", "", "a folder of FiveFilters site configs to extract with (as fulltext.site_configs), such as ../shared/ftr-site-config")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "refeed-extract: no arguments expected")
		os.Exit(2)
	}
	res, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refeed-extract:", err)
		os.Exit(1)
	}
	res.print(os.Stdout, o.worst, o.listRules)
}
