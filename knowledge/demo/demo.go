// Package demo is the knowledge base a bare first run starts with: FAQ articles, half in
// Chinese and half in English, for "Vidi" (微迪), an imaginary short-video and live-streaming
// app. The articles are Markdown files in the format of knowledge/imports, one file per
// language and category, so editors can read and copy them and the importer is exercised on
// every start.
package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

//go:embed articles/*.md
var files embed.FS

// Files returns the Markdown sources, for tools that want to show or export them.
func Files() fs.FS {
	sub, err := fs.Sub(files, "articles")
	if err != nil {
		panic(err) // the directory is embedded at build time; its absence is a build bug
	}
	return sub
}

// Articles parses the bundled articles, in file-name order. They are not normalized: callers
// store them through knowledge.Service, which normalizes and validates.
func Articles() ([]knowledge.Article, error) {
	names, err := fs.Glob(files, "articles/*.md")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	sort.Strings(names)
	var out []knowledge.Article
	for _, name := range names {
		f, err := files.Open(name)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		rows, err := imports.Parse(imports.FormatMarkdown, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", name, err)
		}
		for _, r := range rows {
			if r.Err != nil {
				return nil, fmt.Errorf("demo: %s line %d: %w", name, r.Row, r.Err)
			}
			out = append(out, r.Article)
		}
	}
	return out, nil
}
