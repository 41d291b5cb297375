package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotPath is where TestInspectorInBrowser writes its screenshot of a
// source's page when REFEED_SCREENSHOT=1, for the README.
var screenshotPath = filepath.Join("..", "docs", "inspector.png")

// chromium returns the path of the Chromium (or Chrome) binary, skipping
// the test, or failing it in CI, when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skipOrFail(t, "no headless browser: install Debian's chromium (apt-get install -y --no-install-recommends chromium) to run the inspector's browser test")
	return ""
}

// TestInspectorInBrowser drives a real headless Chromium through the pages
// of a running 'refeed run', checking what a person sees there: the lists
// of sources and topics, a removal struck through with its rule, a matched
// term, and the try page's result after filling in its form.
func TestInspectorInBrowser(t *testing.T) {
	bin := chromium(t)
	addr := freeAddr(t)
	startRefeed(t, "run", "-config", inspectorSetup(t, addr, ""))
	base := "http://" + addr
	waitRefreshed(t, base)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1100, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTime()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("the text of %s: %v", sel, err)
		}
		return s
	}

	// The overview: the sources and the topics, as listed.
	do("overview", chromedp.Navigate(base+"/inspect/"))
	sources, topics := text("table.sources"), text("table.topics")
	for _, want := range []string{"news", "down", "failing", "ok", "status 503"} {
		if !strings.Contains(sources, want) {
			t.Errorf("the sources table shows %q, without %q", sources, want)
		}
	}
	for _, want := range []string{"Korea", "nordkorea*", "Klima", "konsumklima*"} {
		if !strings.Contains(topics, want) {
			t.Errorf("the topics table shows %q, without %q", topics, want)
		}
	}

	// A source's page, reached by its link: the appeal struck through with
	// its rule, and the term that made the item join Korea.
	do("source page", chromedp.Click(chromedp.CSS(`table.sources a[href="source/news"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.item del")))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	decoration, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("article.item del")).textDecorationLine`))
	if err != nil {
		t.Fatal(err)
	}
	struck, rule := text("article.item del"), text("article.item del + a.rule")
	if !strings.Contains(title, "news") || !strings.HasPrefix(strings.TrimSpace(struck), "Jetzt unterstützen") || decoration != "line-through" || rule != "appeals" {
		t.Errorf("page %q: struck %q (text-decoration %q) labelled %q; want the appeal struck through, labelled appeals", title, struck, decoration, rule)
	}
	reasons, marked := text("article.item ul.reasons"), text("article.item ul.reasons mark")
	if !strings.Contains(reasons, "topic Korea: nordkorea* in title") || marked != "Nordkorea" {
		t.Errorf("reasons %q, marked %q; want Korea's nordkorea* matching Nordkorea", reasons, marked)
	}
	if keptOut := text("li.keptout"); !strings.Contains(keptOut, "not in Klima: none term konsumklima*") {
		t.Errorf("kept out: %q", keptOut)
	}
	if os.Getenv("REFEED_SCREENSHOT") == "1" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(screenshotPath, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", screenshotPath)
	}

	// The try page: a draft topic on the source's items, sent with the
	// form's button.
	const draft = "topics:\n  - name: Wetter\n    match:\n      any: [wetter, sonne*]\n"
	do("try page", chromedp.Navigate(base+"/inspect/try"),
		chromedp.SetValue(chromedp.CSS(`select[name="source"]`), "news"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="draft"]`), draft),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.result")))
	if result, hit := text("p.result"), text("li.joined"); !strings.Contains(result, "1 of 3 items join Wetter.") || !strings.Contains(hit, "topic Wetter: wetter in summary: “Das Wetter wird freundlich.”") {
		t.Errorf("try result %q, hit %q", result, hit)
	}
	// A draft that is not one: the problem, with its line.
	do("try problem", chromedp.Navigate(base+"/inspect/try"),
		chromedp.SetValue(chromedp.CSS(`select[name="source"]`), "news"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="draft"]`), "topics:\n  - name: Wetter\n    sources: [nirgends]\n"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.problem")))
	if problem := text("p.problem"); !strings.Contains(problem, `draft:3:15: topics[0].sources[0]: unknown source "nirgends"`) {
		t.Errorf("problem %q", problem)
	}
}
