package main

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/refeed/refeed/internal/linediff"
	"github.com/refeed/refeed/plaintext"
)

// diffContext is the number of unchanged lines preview -diff shows
// around each change, as diff -u does.
const diffContext = 3

// writeDiff writes, for 'refeed preview -diff', a line diff of the text a
// reader sees of an item before cleaning and after, each a content (or
// summary) in HTML or plain text: one line per paragraph, the lines
// cleaning removed prefixed by "-", those it added or changed by "+".
func writeDiff(w io.Writer, before, after string) error {
	b, a := visibleLines(before), visibleLines(after)
	var d strings.Builder
	if err := linediff.Write(&d, b, a, diffContext, "    "); err != nil {
		return err
	}
	if d.Len() == 0 {
		_, err := fmt.Fprintln(w, "  diff: the visible text is unchanged")
		return err
	}
	_, err := fmt.Fprintf(w, "  diff of the visible text (-before +after):\n%s", d.String())
	return err
}

// visibleLines returns the text of s, HTML or plain text, as a reader
// sees it: one line per block (a paragraph, heading, list item, table
// row, or what a line break ends), its white space collapsed, without
// blank lines and without the text of scripts and styles. Plain text
// has a block per line.
func visibleLines(s string) []string {
	if !plaintext.HasTags(s) {
		var lines []string
		for _, l := range strings.Split(html.UnescapeString(s), "\n") {
			if l = plaintext.Collapse(l); l != "" {
				lines = append(lines, l)
			}
		}
		return lines
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), body, html.ParseOptionEnableScripting(false))
	if err != nil {
		return []string{plaintext.Text(s)}
	}
	var v visible
	for _, n := range nodes {
		v.walk(n)
	}
	v.flush()
	return v.lines
}

// visible gathers the lines of an HTML tree.
type visible struct {
	lines []string
	line  strings.Builder
}

// walk adds the text under n.
func (v *visible) walk(n *html.Node) {
	switch {
	case n.Type == html.TextNode:
		v.line.WriteString(n.Data)
		v.line.WriteByte(' ')
		return
	case n.Type != html.ElementNode && n.Type != html.DocumentNode:
		return
	case n.DataAtom == atom.Script || n.DataAtom == atom.Style || n.DataAtom == atom.Template:
		return
	case n.DataAtom == atom.Br:
		v.flush()
		return
	}
	block := breaksLine(n.DataAtom)
	if block {
		v.flush()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		v.walk(c)
	}
	if block {
		v.flush()
	}
}

// flush ends the current line.
func (v *visible) flush() {
	if l := plaintext.Collapse(v.line.String()); l != "" {
		v.lines = append(v.lines, l)
	}
	v.line.Reset()
}

// breaksLine reports whether an element of a starts and ends a block of
// text on its own lines.
func breaksLine(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Caption, atom.Center,
		atom.Dd, atom.Details, atom.Dialog, atom.Div, atom.Dl, atom.Dt, atom.Fieldset,
		atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup, atom.Hr, atom.Li, atom.Main,
		atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section, atom.Summary, atom.Table,
		atom.Tr, atom.Ul:
		return true
	}
	return false
}
