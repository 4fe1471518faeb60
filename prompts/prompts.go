// Package prompts holds the LLM prompt templates (*.tmpl, embedded) and one typed render
// function per template, so the bot never builds a prompt by string concatenation.
//
// Knowledge text and user text are data, not instructions: templates put them inside fences
// (see Fence) and the system prompts say so. No secret ever goes into a prompt.
package prompts

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"fence": Fence,
}).ParseFS(files, "*.tmpl"))

// Message is one chat message of a rendered prompt.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// render executes the named template's "system" and "user" blocks.
func render(name string, data any) ([]Message, error) {
	var out []Message
	for _, part := range []string{"system", "user"} {
		t := templates.Lookup(name + "." + part)
		if t == nil {
			continue
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("render prompt %s.%s: %w", name, part, err)
		}
		out = append(out, Message{Role: part, Content: strings.TrimSpace(b.String())})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no prompt template %q", name)
	}
	return out, nil
}

// Fence wraps untrusted text (a user's message, an article) as data: it cannot close the
// fence early because any fence marker inside it is defused.
func Fence(label, text string) string {
	text = strings.ReplaceAll(text, "<<<", "‹‹‹")
	text = strings.ReplaceAll(text, ">>>", "›››")
	return "<<<" + label + "\n" + text + "\n>>>"
}
