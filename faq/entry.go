// Package faq defines the FAQ corpus: one Markdown file with YAML front matter per entry,
// folders as categories, and corpus-level data files in a "_balai" folder beside the entries.
// It parses and validates corpora, names file and line for every problem, and embeds the
// default corpus. It knows nothing about chats or search.
package faq

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Entry is one answer of the corpus.
type Entry struct {
	ID    string
	Title string
	// FullTitle is the title as the agency wrote it when Title was shortened to label a
	// button (balai faq import does this): it is what search reads, since the words cut
	// off ("… bagi Pekerja Kontrak yang Masa Kontraknya Berakhir") tell siblings apart.
	// Empty when Title is the whole title.
	FullTitle string
	Questions []string
	Keywords  []string
	Category  string
	Source    string    // URL cited under the answer; empty when none
	Updated   time.Time // zero when unset
	ReviewBy  time.Time // zero when unset; after this day the entry is stale
	Owner     string
	Lang      string // "id" unless the file says otherwise
	Body      string // Markdown

	// File is the entry's path relative to the corpus root, with forward slashes.
	File string
	// BodyLine is the 1-based line of File where the body starts.
	BodyLine int
}

// SearchTitle is the title that search reads: FullTitle when the title was shortened.
func (e *Entry) SearchTitle() string {
	if e.FullTitle != "" {
		return e.FullTitle
	}
	return e.Title
}

// Stale reports whether the entry is past its review date at now. A review date is a
// calendar day in Asia/Jakarta: the entry is still current during that whole day.
func (e *Entry) Stale(now time.Time) bool {
	if e.ReviewBy.IsZero() {
		return false
	}
	y, m, d := e.ReviewBy.Date()
	end := time.Date(y, m, d+1, 0, 0, 0, 0, jakarta)
	return !now.Before(end)
}

// DateLayout is the ISO date layout used for updated and review_by.
const DateLayout = "2006-01-02"

// jakarta is the time zone of the agency; dates in the corpus are days there.
var jakarta = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

// frontMatter is the serialised shape of an entry's header, in the field order
// admins see in files written by Balai.
type frontMatter struct {
	ID        string   `yaml:"id"`
	Title     string   `yaml:"title"`
	FullTitle string   `yaml:"full_title,omitempty"`
	Questions []string `yaml:"questions"`
	Keywords  []string `yaml:"keywords,omitempty,flow"`
	Category  string   `yaml:"category,omitempty"`
	Source    string   `yaml:"source,omitempty"`
	Updated   string   `yaml:"updated,omitempty"`
	ReviewBy  string   `yaml:"review_by,omitempty"`
	Owner     string   `yaml:"owner,omitempty"`
	Lang      string   `yaml:"lang,omitempty"`
}

// Markdown renders the entry as a corpus file: front matter and body. Parse reads it back
// to an equal entry.
func (e *Entry) Markdown() ([]byte, error) {
	fm := frontMatter{
		ID: e.ID, Title: e.Title, FullTitle: e.FullTitle, Questions: e.Questions, Keywords: e.Keywords,
		Category: e.Category, Source: e.Source, Owner: e.Owner,
	}
	if e.Lang != "" && e.Lang != "id" {
		fm.Lang = e.Lang
	}
	if !e.Updated.IsZero() {
		fm.Updated = e.Updated.Format(DateLayout)
	}
	if !e.ReviewBy.IsZero() {
		fm.ReviewBy = e.ReviewBy.Format(DateLayout)
	}
	head, err := yaml.MarshalWithOptions(fm, yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("faq: encode %s: %w", e.ID, err)
	}
	var buf bytes.Buffer
	buf.WriteString("---\n")
	buf.Write(head)
	buf.WriteString("---\n")
	buf.WriteString(strings.TrimSpace(e.Body))
	buf.WriteString("\n")
	return buf.Bytes(), nil
}

// Date parses an ISO date (YYYY-MM-DD) as a day in Asia/Jakarta.
func Date(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, strings.TrimSpace(s), jakarta)
}
